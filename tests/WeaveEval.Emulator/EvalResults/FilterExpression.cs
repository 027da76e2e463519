using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;

namespace WeaveEval.Emulator.EvalResults
{
    internal sealed class FilterSyntaxException : Exception
    {
        public FilterSyntaxException(string message) : base(message) { }
    }

    /// <summary>Supplies per-row field values to a filter: <c>any()</c> of the trials in the filter's scope.</summary>
    internal interface IFieldSource
    {
        /// <summary>Text of the first non-null trial value (strings unquoted, booleans 1/0, objects as JSON), or null.</summary>
        string? Field(string path);
    }

    /// <summary>
    /// A Weave <c>Query</c> <c>$expr</c> evaluated the way the ClickHouse eval-results query does: SQL
    /// three-valued logic (a comparison with NULL is unknown, so its <c>$not</c> is unknown too), fields
    /// cast to the type of the literal they are compared with.
    /// </summary>
    internal abstract class FilterExpression
    {
        public static bool IsSupportedField(string field) =>
            field == "row_digest" || field.StartsWith("scores.", StringComparison.Ordinal)
            || field.StartsWith("inputs.", StringComparison.Ordinal) || field.StartsWith("output.", StringComparison.Ordinal);

        public static FilterExpression Parse(JsonElement element)
        {
            if (element.ValueKind != JsonValueKind.Object) throw new FilterSyntaxException("an operation must be an object");
            var properties = element.EnumerateObject().ToList();
            if (properties.Count != 1) throw new FilterSyntaxException("an operation must have exactly one key");
            var op = properties[0].Name;
            var argument = properties[0].Value;
            switch (op)
            {
                case "$and":
                case "$or":
                    var parts = Array(argument, op).Select(Parse).ToList();
                    if (parts.Count == 0) throw new FilterSyntaxException($"empty {op} operation");
                    return new Logical(op == "$and", parts);
                case "$not":
                    var negated = Array(argument, op);
                    if (negated.Count != 1) throw new FilterSyntaxException("$not takes exactly one operation");
                    return new Not(Parse(negated[0]));
                case "$eq":
                case "$gt":
                case "$gte":
                case "$lt":
                case "$lte":
                    var pair = Array(argument, op);
                    if (pair.Count != 2) throw new FilterSyntaxException($"{op} takes two operands");
                    return new Comparison(op, Operand.Parse(pair[0]), Operand.Parse(pair[1]));
                case "$in":
                    var inArgs = Array(argument, op);
                    if (inArgs.Count != 2) throw new FilterSyntaxException("$in takes an operand and a list");
                    List<Operand> candidates;
                    if (inArgs[1].ValueKind == JsonValueKind.Array) candidates = inArgs[1].EnumerateArray().Select(Operand.Parse).ToList();
                    else if (inArgs[1].ValueKind == JsonValueKind.Object && inArgs[1].TryGetProperty("$literal", out var list) && list.ValueKind == JsonValueKind.Array)
                        candidates = list.EnumerateArray().Select(v => (Operand)new LiteralOperand(v)).ToList();
                    else throw new FilterSyntaxException("$in needs a list");
                    return new In(Operand.Parse(inArgs[0]), candidates);
                case "$contains":
                    if (argument.ValueKind != JsonValueKind.Object || !argument.TryGetProperty("input", out var input) || !argument.TryGetProperty("substr", out var substr))
                        throw new FilterSyntaxException("$contains needs input and substr");
                    var caseInsensitive = argument.TryGetProperty("case_insensitive", out var ci) && ci.ValueKind == JsonValueKind.True;
                    return new Contains(Operand.Parse(input), Operand.Parse(substr), caseInsensitive);
                default:
                    throw new FilterSyntaxException($"unknown operation {op}");
            }
        }

        private static List<JsonElement> Array(JsonElement argument, string op) =>
            argument.ValueKind == JsonValueKind.Array ? argument.EnumerateArray().ToList() : throw new FilterSyntaxException($"{op} takes a list");

        /// <summary>Every <c>$getField</c> path used.</summary>
        public abstract IEnumerable<string> Fields();

        /// <summary>true, false, or null (unknown).</summary>
        public abstract bool? Evaluate(IFieldSource source);

        private sealed class Logical : FilterExpression
        {
            private readonly bool isAnd;
            private readonly List<FilterExpression> parts;

            public Logical(bool isAnd, List<FilterExpression> parts) { this.isAnd = isAnd; this.parts = parts; }

            public override IEnumerable<string> Fields() => parts.SelectMany(p => p.Fields());

            public override bool? Evaluate(IFieldSource source)
            {
                var unknown = false;
                foreach (var part in parts)
                {
                    var value = part.Evaluate(source);
                    if (value is null) unknown = true;
                    else if (value.Value != isAnd) return !isAnd;
                }
                return unknown ? null : isAnd;
            }
        }

        private sealed class Not : FilterExpression
        {
            private readonly FilterExpression inner;

            public Not(FilterExpression inner) => this.inner = inner;

            public override IEnumerable<string> Fields() => inner.Fields();

            public override bool? Evaluate(IFieldSource source) => !inner.Evaluate(source);
        }

        private sealed class Comparison : FilterExpression
        {
            private readonly string op;
            private readonly Operand left;
            private readonly Operand right;

            public Comparison(string op, Operand left, Operand right) { this.op = op; this.left = left; this.right = right; }

            public override IEnumerable<string> Fields() => left.Fields().Concat(right.Fields());

            public override bool? Evaluate(IFieldSource source)
            {
                var a = left.Evaluate(source);
                var b = right.Evaluate(source);
                if (op == "$eq" && (right.IsNullLiteral || left.IsNullLiteral)) return (right.IsNullLiteral ? a : b) is null;
                var order = Value.Compare(a, b);
                if (order is null) return null;
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

        private sealed class In : FilterExpression
        {
            private readonly Operand needle;
            private readonly List<Operand> candidates;

            public In(Operand needle, List<Operand> candidates) { this.needle = needle; this.candidates = candidates; }

            public override IEnumerable<string> Fields() => needle.Fields().Concat(candidates.SelectMany(c => c.Fields()));

            public override bool? Evaluate(IFieldSource source)
            {
                var value = needle.Evaluate(source);
                if (value is null) return null;
                return candidates.Any(c => Value.Compare(value, c.Evaluate(source)) == 0);
            }
        }

        private sealed class Contains : FilterExpression
        {
            private readonly Operand input;
            private readonly Operand substring;
            private readonly bool caseInsensitive;

            public Contains(Operand input, Operand substring, bool caseInsensitive)
            {
                this.input = input;
                this.substring = substring;
                this.caseInsensitive = caseInsensitive;
            }

            public override IEnumerable<string> Fields() => input.Fields().Concat(substring.Fields());

            public override bool? Evaluate(IFieldSource source)
            {
                var haystack = Value.AsText(input.Evaluate(source));
                var needle = Value.AsText(substring.Evaluate(source));
                if (haystack is null || needle is null) return null;
                return haystack.Contains(needle, caseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
            }
        }

        /// <summary>A typed value during evaluation: field text, a double, a bool or a string literal.</summary>
        internal sealed record Value(object Data, bool FromField)
        {
            public static string? AsText(Value? value) => value?.Data switch
            {
                null => null,
                string s => s,
                bool b => b ? "1" : "0",
                double d => Wire.PyJson.FormatFloat(d),
                _ => null,
            };

            public static double? AsNumber(Value? value) => value?.Data switch
            {
                double d => d,
                bool b => b ? 1 : 0,
                string s when s == "true" => 1,
                string s when s == "false" => 0,
                string s => double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) ? d : null,
                _ => null,
            };

            /// <summary>Orders two values after casting to the literal's type; null when either side is NULL or the cast fails.</summary>
            public static int? Compare(Value? a, Value? b)
            {
                if (a is null || b is null) return null;
                if (a.Data is double || b.Data is double || a.Data is bool || b.Data is bool)
                {
                    var x = AsNumber(a);
                    var y = AsNumber(b);
                    return x is null || y is null ? null : x.Value.CompareTo(y.Value);
                }
                return string.CompareOrdinal((string)a.Data, (string)b.Data) switch { < 0 => -1, 0 => 0, _ => 1 };
            }
        }

        internal abstract class Operand
        {
            public virtual bool IsNullLiteral => false;

            public abstract IEnumerable<string> Fields();

            public abstract Value? Evaluate(IFieldSource source);

            public static Operand Parse(JsonElement element)
            {
                if (element.ValueKind == JsonValueKind.Object)
                {
                    if (element.TryGetProperty("$literal", out var literal)) return new LiteralOperand(literal);
                    if (element.TryGetProperty("$getField", out var field))
                    {
                        return field.ValueKind == JsonValueKind.String
                            ? new FieldOperand(field.GetString()!)
                            : throw new FilterSyntaxException("$getField takes a string");
                    }
                    if (element.TryGetProperty("$convert", out var convert))
                    {
                        if (convert.ValueKind != JsonValueKind.Object || !convert.TryGetProperty("input", out var input) || !convert.TryGetProperty("to", out var to)
                            || to.ValueKind != JsonValueKind.String)
                        {
                            throw new FilterSyntaxException("$convert needs input and to");
                        }
                        var target = to.GetString()!;
                        if (target is not ("double" or "int" or "bool" or "string" or "exists")) throw new FilterSyntaxException($"unknown $convert target {target}");
                        return new ConvertOperand(Parse(input), target);
                    }
                    return new ExpressionOperand(FilterExpression.Parse(element));
                }
                throw new FilterSyntaxException("an operand must be an object");
            }
        }

        internal sealed class LiteralOperand : Operand
        {
            private readonly Value? value;
            private readonly bool isNull;

            public LiteralOperand(JsonElement literal)
            {
                isNull = literal.ValueKind == JsonValueKind.Null;
                value = literal.ValueKind switch
                {
                    JsonValueKind.String => new Value(literal.GetString()!, false),
                    JsonValueKind.Number => new Value(literal.GetDouble(), false),
                    JsonValueKind.True => new Value(true, false),
                    JsonValueKind.False => new Value(false, false),
                    JsonValueKind.Null => null,
                    _ => new Value(literal.GetRawText(), false),
                };
            }

            public override bool IsNullLiteral => isNull;

            public override IEnumerable<string> Fields() => System.Array.Empty<string>();

            public override Value? Evaluate(IFieldSource source) => value;
        }

        private sealed class FieldOperand : Operand
        {
            private readonly string path;

            public FieldOperand(string path) => this.path = path;

            public override IEnumerable<string> Fields() => new[] { path };

            public override Value? Evaluate(IFieldSource source) => source.Field(path) is { } text ? new Value(text, true) : null;
        }

        private sealed class ConvertOperand : Operand
        {
            private readonly Operand input;
            private readonly string target;

            public ConvertOperand(Operand input, string target) { this.input = input; this.target = target; }

            public override IEnumerable<string> Fields() => input.Fields();

            public override Value? Evaluate(IFieldSource source)
            {
                var value = input.Evaluate(source);
                switch (target)
                {
                    case "exists":
                        return new Value(value is not null, false);
                    case "string":
                        return Value.AsText(value) is { } text ? new Value(text, false) : null;
                    case "double":
                        return Value.AsNumber(value) is { } number ? new Value(number, false) : null;
                    case "int":
                        return Value.AsNumber(value) is { } n && !double.IsNaN(n) && !double.IsInfinity(n) ? new Value(Math.Truncate(n), false) : null;
                    default:
                        return Value.AsNumber(value) is { } b ? new Value(b != 0, false) : null;
                }
            }
        }

        private sealed class ExpressionOperand : Operand
        {
            private readonly FilterExpression expression;

            public ExpressionOperand(FilterExpression expression) => this.expression = expression;

            public override IEnumerable<string> Fields() => expression.Fields();

            public override Value? Evaluate(IFieldSource source) => expression.Evaluate(source) is { } b ? new Value(b, false) : null;
        }
    }
}
