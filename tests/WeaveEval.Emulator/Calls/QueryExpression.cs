using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Expressions;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Calls
{
    /// <summary>
    /// The calls <c>query</c> language (<c>{"$expr": …}</c>) compiled to a tree and
    /// evaluated per call. Values compare the way the SQL does in practice: numbers with numbers
    /// (numeric strings included), timestamps with epoch seconds or date strings, anything compared
    /// with a missing value is false, and <c>$eq</c> with a null literal means "is null".
    /// </summary>
    internal sealed class QueryExpression
    {
        private readonly ExpressionNode root;

        private QueryExpression(ExpressionNode root) { this.root = root; }

        public bool IsTrue(CallFields call) => Truthy(Evaluate(root, call));

        /// <summary>Compiles <c>{"$expr": …}</c>; shape errors are FastAPI 422s, semantic ones <see cref="CallsQueryException"/>.</summary>
        public static QueryExpression Compile(JsonElement query, List<ValidationError> errors)
        {
            if (query.ValueKind != JsonValueKind.Object)
            {
                errors.Add(new ValidationError("model_attributes_type", ValidationError.Loc("body", "query"), "Input should be a valid dictionary or object to extract fields from", JsonNode.Parse(query.GetRawText())));
                return new QueryExpression(Literal.True);
            }
            ExpressionNode? expression = null;
            foreach (var property in query.EnumerateObject())
            {
                if (property.NameEquals("$expr")) expression = ExpressionParser.Parse(property.Value, new Dialect(errors), new object[] { "body", "query", "$expr" });
                else errors.Add(new ValidationError("extra_forbidden", ValidationError.Loc("body", "query", property.Name), "Extra inputs are not permitted", JsonNode.Parse(property.Value.GetRawText())));
            }
            if (expression is null)
            {
                errors.Add(ValidationError.Missing(ValidationError.Loc("body", "query", "$expr"), JsonNode.Parse(query.GetRawText())));
                return new QueryExpression(Literal.True);
            }
            foreach (var field in expression.Fields()) CallFields.Validate(field);
            return new QueryExpression(expression);
        }

        /// <summary>Shape errors are collected as FastAPI 422 entries at their exact location, so parsing goes on past them.</summary>
        private sealed class Dialect : IExpressionDialect
        {
            private readonly List<ValidationError> errors;

            public Dialect(List<ValidationError> errors) { this.errors = errors; }

            public bool HasSize => true;

            public ExpressionNode Invalid(JsonElement json, object[] location, string why)
            {
                errors.Add(new ValidationError("value_error", ValidationError.Loc(location), "Value error, " + why, JsonNode.Parse(json.GetRawText()), new JsonObject { ["error"] = new JsonObject() }));
                return Literal.Null;
            }

            public ExpressionNode Empty(string op, JsonElement json, object[] location) =>
                throw new CallsQueryException(400, op == "$and" ? "Empty AND operation" : "Empty OR operation");
        }

        private static object? Evaluate(ExpressionNode node, CallFields call)
        {
            switch (node)
            {
                case Literal literal:
                    return CallFields.ToValue(literal.Value);
                case GetField field:
                    return call.Get(field.Path);
                case Logical logical:
                    return logical.All ? logical.Parts.All(p => Truthy(Evaluate(p, call))) : logical.Parts.Any(p => Truthy(Evaluate(p, call)));
                case Not not:
                    return !Truthy(Evaluate(not.Inner, call));
                case Comparison comparison:
                    var left = Evaluate(comparison.Left, call);
                    if (comparison.Op == "$eq" && comparison.Right is Literal { IsNull: true }) return left is null;
                    return Compare(left, Evaluate(comparison.Right, call)) is int order && comparison.Holds(order);
                case In @in:
                    var needle = Evaluate(@in.Needle, call);
                    return @in.Candidates.Any(candidate => Compare(needle, Evaluate(candidate, call)) == 0);
                case Contains contains:
                    var text = AsText(Evaluate(contains.Input, call));
                    var part = AsText(Evaluate(contains.Substring, call));
                    return text is not null && part is not null && text.Contains(part, contains.CaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
                case Size size:
                    return Evaluate(size.Input, call) switch
                    {
                        JsonElement { ValueKind: JsonValueKind.Array } array => (double)array.GetArrayLength(),
                        string characters => (double)characters.Length,
                        _ => null,
                    };
                case Conversion conversion:
                    var value = Evaluate(conversion.Input, call);
                    return conversion.To switch
                    {
                        "double" => AsNumber(value),
                        "int" => AsNumber(value) is double d ? Math.Truncate(d) : null,
                        "string" => AsText(value),
                        "bool" => value is null ? null : Truthy(value is string s && s == "false" ? false : value),
                        _ => value is not null,
                    };
                default:
                    throw new InvalidOperationException($"{node.GetType().Name} is not part of the calls query language");
            }
        }

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
    }
}
