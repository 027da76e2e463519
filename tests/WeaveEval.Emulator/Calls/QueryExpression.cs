using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Calls
{
    /// <summary>
    /// The calls <c>query</c> language (<c>{"$expr": …}</c>, CALLS.md §1.4) compiled to a tree and
    /// evaluated per call. Values compare the way the SQL does in practice: numbers with numbers
    /// (numeric strings included), timestamps with epoch seconds or date strings, anything compared
    /// with a missing value is false, and <c>$eq</c> with a null literal means "is null".
    /// </summary>
    internal abstract class QueryExpression
    {
        public abstract object? Evaluate(CallFields call);

        public bool IsTrue(CallFields call) => Truthy(Evaluate(call));

        /// <summary>Compiles <c>{"$expr": …}</c>; shape errors are FastAPI 422s, semantic ones <see cref="CallsQueryException"/>.</summary>
        public static QueryExpression Compile(JsonElement query, List<ValidationError> errors)
        {
            if (query.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new ValidationError("model_attributes_type", ValidationError.Loc("body", "query"), "Input should be a valid dictionary or object to extract fields from", JsonNode.Parse(query.GetRawText())));
                return new Literal(true);
            }
            QueryExpression? expression = null;
            foreach (var property in query.EnumerateObject())
            {
                if (property.NameEquals("$expr")) expression = Operation(property.Value, errors, "body", "query", "$expr");
                else errors.Add(new ValidationError("extra_forbidden", ValidationError.Loc("body", "query", property.Name), "Extra inputs are not permitted", JsonNode.Parse(property.Value.GetRawText())));
            }
            if (expression is null)
            {
                errors.Add(ValidationError.Missing(ValidationError.Loc("body", "query", "$expr"), JsonNode.Parse(query.GetRawText())));
                return new Literal(true);
            }
            return expression;
        }

        private static QueryExpression Operation(JsonElement json, List<ValidationError> errors, params object[] location)
        {
            if (json.ValueKind != JsonValueKind.Object || json.EnumerateObject().Count() != 1)
            {
                return Invalid(json, errors, location, "an operation must be an object with exactly one $-key");
            }
            var property = json.EnumerateObject().First();
            var value = property.Value;
            var at = location.Append(property.Name).ToArray();
            switch (property.Name)
            {
                case "$and":
                case "$or":
                    if (value.ValueKind != JsonValueKind.Array) return Invalid(value, errors, at, "expected a list");
                    if (value.GetArrayLength() == 0) throw new CallsQueryException(400, property.Name == "$and" ? "Empty AND operation" : "Empty OR operation");
                    var parts = value.EnumerateArray().Select((item, i) => Operand(item, errors, at.Append(i).ToArray())).ToArray();
                    return new Logical(property.Name == "$and", parts);
                case "$not":
                    if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 1) return Invalid(value, errors, at, "$not takes a list of exactly one operation");
                    return new Not(Operand(value[0], errors, at.Append(0).ToArray()));
                case "$eq":
                case "$gt":
                case "$gte":
                case "$lt":
                case "$lte":
                    if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 2) return Invalid(value, errors, at, $"{property.Name} takes a list of two operands");
                    return new Comparison(property.Name, Operand(value[0], errors, at.Append(0).ToArray()), Operand(value[1], errors, at.Append(1).ToArray()));
                case "$in":
                    if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 2 || value[1].ValueKind != JsonValueKind.Array)
                    {
                        return Invalid(value, errors, at, "$in takes [operand, [operands]]");
                    }
                    return new In(Operand(value[0], errors, at.Append(0).ToArray()), value[1].EnumerateArray().Select((item, i) => Operand(item, errors, at.Append(1).Append(i).ToArray())).ToArray());
                case "$contains":
                    if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("input", out var input) || !value.TryGetProperty("substr", out var substring))
                    {
                        return Invalid(value, errors, at, "$contains takes {input, substr, case_insensitive}");
                    }
                    var caseInsensitive = value.TryGetProperty("case_insensitive", out var flag) && flag.ValueKind == JsonValueKind.True;
                    return new Contains(Operand(input, errors, at.Append("input").ToArray()), Operand(substring, errors, at.Append("substr").ToArray()), caseInsensitive);
                case "$size":
                    return new Size(Operand(value, errors, at));
                default:
                    return Operand(json, errors, location);
            }
        }

        private static QueryExpression Operand(JsonElement json, List<ValidationError> errors, object[] location)
        {
            if (json.ValueKind != JsonValueKind.Object || json.EnumerateObject().Count() != 1)
            {
                return Invalid(json, errors, location, "an operand must be an object with exactly one $-key");
            }
            var property = json.EnumerateObject().First();
            switch (property.Name)
            {
                case "$literal":
                    return new Literal(LiteralValue(property.Value));
                case "$getField":
                    if (property.Value.ValueKind != JsonValueKind.String) return Invalid(property.Value, errors, location.Append("$getField").ToArray(), "$getField takes a field name");
                    var field = property.Value.GetString()!;
                    CallFields.Validate(field);
                    return new GetField(field);
                case "$convert":
                    if (property.Value.ValueKind != JsonValueKind.Object || !property.Value.TryGetProperty("input", out var input) || !property.Value.TryGetProperty("to", out var to)
                        || to.ValueKind != JsonValueKind.String || !Convert.Targets.Contains(to.GetString()))
                    {
                        return Invalid(property.Value, errors, location.Append("$convert").ToArray(), "$convert takes {input, to: double|string|int|bool|exists}");
                    }
                    return new Convert(Operand(input, errors, location.Append("$convert").Append("input").ToArray()), to.GetString()!);
                case "$and":
                case "$or":
                case "$not":
                case "$eq":
                case "$gt":
                case "$gte":
                case "$lt":
                case "$lte":
                case "$in":
                case "$contains":
                case "$size":
                    return Operation(json, errors, location);
                default:
                    return Invalid(json, errors, location, $"unknown operator {property.Name}");
            }
        }

        private static QueryExpression Invalid(JsonElement json, List<ValidationError> errors, object[] location, string why)
        {
            errors.Add(new ValidationError("value_error", ValidationError.Loc(location), "Value error, " + why, JsonNode.Parse(json.GetRawText()), new JsonObject { ["error"] = new JsonObject() }));
            return new Literal(null);
        }

        private static object? LiteralValue(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.Object or JsonValueKind.Array => element.Clone(),
            _ => CallFields.ToValue(element),
        };

        public static bool Truthy(object? value) => value switch
        {
            null => false,
            bool b => b,
            double d => d != 0,
            string s => s.Length > 0,
            _ => true,
        };

        /// <summary>Three-way comparison, or null when the two values cannot be compared (a side is missing).</summary>
        public static int? Compare(object? left, object? right)
        {
            if (left is null || right is null) return null;
            if (left is DateTime leftTime) return CompareTime(leftTime, right);
            if (right is DateTime rightTime) return -CompareTime(rightTime, left);
            if (AsNumber(left) is double leftNumber && AsNumber(right) is double rightNumber && (left is double || right is double || left is bool || right is bool))
            {
                return leftNumber.CompareTo(rightNumber);
            }
            return string.CompareOrdinal(AsText(left), AsText(right));
        }

        private static int? CompareTime(DateTime time, object other)
        {
            if (other is DateTime otherTime) return time.CompareTo(otherTime);
            if (other is double epochSeconds) return ((time - DateTime.UnixEpoch).TotalSeconds).CompareTo(epochSeconds);
            if (other is string text && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var parsed)) return time.CompareTo(parsed);
            return null;
        }

        public static double? AsNumber(object? value) => value switch
        {
            double d => d,
            bool b => b ? 1 : 0,
            string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            DateTime t => (t - DateTime.UnixEpoch).TotalSeconds,
            _ => null,
        };

        public static string? AsText(object? value) => value switch
        {
            null => null,
            string s => s,
            bool b => b ? "true" : "false",
            double d => d == Math.Floor(d) && Math.Abs(d) < 1e15 ? ((long)d).ToString(CultureInfo.InvariantCulture) : PyJson.FormatFloat(d),
            DateTime t => PyJson.FormatTimestamp(t),
            JsonElement e => e.GetRawText(),
            _ => value.ToString(),
        };

        private sealed class Literal : QueryExpression
        {
            private readonly object? value;
            public Literal(object? value) { this.value = value; }
            public bool IsNull => value is null;
            public override object? Evaluate(CallFields call) => value;
        }

        private sealed class GetField : QueryExpression
        {
            private readonly string field;
            public GetField(string field) { this.field = field; }
            public override object? Evaluate(CallFields call) => call.Get(field);
        }

        private sealed class Logical : QueryExpression
        {
            private readonly bool all;
            private readonly QueryExpression[] parts;
            public Logical(bool all, QueryExpression[] parts) { this.all = all; this.parts = parts; }
            public override object? Evaluate(CallFields call) => all ? parts.All(p => p.IsTrue(call)) : parts.Any(p => p.IsTrue(call));
        }

        private sealed class Not : QueryExpression
        {
            private readonly QueryExpression inner;
            public Not(QueryExpression inner) { this.inner = inner; }
            public override object? Evaluate(CallFields call) => !inner.IsTrue(call);
        }

        private sealed class Comparison : QueryExpression
        {
            private readonly string op;
            private readonly QueryExpression left;
            private readonly QueryExpression right;
            public Comparison(string op, QueryExpression left, QueryExpression right) { this.op = op; this.left = left; this.right = right; }

            public override object? Evaluate(CallFields call)
            {
                var leftValue = left.Evaluate(call);
                if (op == "$eq" && right is Literal { IsNull: true }) return leftValue is null;
                var order = Compare(leftValue, right.Evaluate(call));
                if (order is null) return false;
                return op switch
                {
                    "$eq" => order == 0,
                    "$gt" => order > 0,
                    "$gte" => order >= 0,
                    "$lt" => order < 0,
                    _ => order <= 0,
                };
            }
        }

        private sealed class In : QueryExpression
        {
            private readonly QueryExpression needle;
            private readonly QueryExpression[] haystack;
            public In(QueryExpression needle, QueryExpression[] haystack) { this.needle = needle; this.haystack = haystack; }

            public override object? Evaluate(CallFields call)
            {
                var value = needle.Evaluate(call);
                return haystack.Any(candidate => Compare(value, candidate.Evaluate(call)) == 0);
            }
        }

        private sealed class Contains : QueryExpression
        {
            private readonly QueryExpression input;
            private readonly QueryExpression substring;
            private readonly bool caseInsensitive;
            public Contains(QueryExpression input, QueryExpression substring, bool caseInsensitive) { this.input = input; this.substring = substring; this.caseInsensitive = caseInsensitive; }

            public override object? Evaluate(CallFields call)
            {
                var text = AsText(input.Evaluate(call));
                var part = AsText(substring.Evaluate(call));
                if (text is null || part is null) return false;
                return text.Contains(part, caseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
            }
        }

        private sealed class Size : QueryExpression
        {
            private readonly QueryExpression input;
            public Size(QueryExpression input) { this.input = input; }

            public override object? Evaluate(CallFields call) => input.Evaluate(call) switch
            {
                JsonElement { ValueKind: JsonValueKind.Array } array => (double)array.GetArrayLength(),
                string text => (double)text.Length,
                _ => null,
            };
        }

        private sealed class Convert : QueryExpression
        {
            public static readonly string[] Targets = { "double", "string", "int", "bool", "exists" };

            private readonly QueryExpression input;
            private readonly string to;
            public Convert(QueryExpression input, string to) { this.input = input; this.to = to; }

            public override object? Evaluate(CallFields call)
            {
                var value = input.Evaluate(call);
                return to switch
                {
                    "double" => AsNumber(value),
                    "int" => AsNumber(value) is double d ? Math.Truncate(d) : null,
                    "string" => AsText(value),
                    "bool" => value is null ? null : Truthy(value is string s && s == "false" ? false : value),
                    _ => value is not null,
                };
            }
        }
    }
}
