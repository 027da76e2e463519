using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text.Json;
using WeaveEval.Emulator.Expressions;

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
    internal sealed class FilterExpression
    {
        private readonly ExpressionNode root;

        private FilterExpression(ExpressionNode root) => this.root = root;

        public static bool IsSupportedField(string field) =>
            field == "row_digest" || field.StartsWith("scores.", StringComparison.Ordinal)
            || field.StartsWith("inputs.", StringComparison.Ordinal) || field.StartsWith("output.", StringComparison.Ordinal);

        public static FilterExpression Parse(JsonElement element) => new(ExpressionParser.Parse(element, Dialect.Instance, System.Array.Empty<object>()));

        /// <summary>Every <c>$getField</c> path used.</summary>
        public IEnumerable<string> Fields() => root.Fields();

        /// <summary>true, false, or null (unknown).</summary>
        public bool? Evaluate(IFieldSource source) => Test(root, source);

        /// <summary>The first problem ends parsing: the route reports it as one error on the whole <c>$expr</c>.</summary>
        private sealed class Dialect : IExpressionDialect
        {
            public static readonly Dialect Instance = new();

            public bool HasSize => false;

            public ExpressionNode Invalid(JsonElement json, object[] location, string why) => throw new FilterSyntaxException(why);

            public ExpressionNode Empty(string op, JsonElement json, object[] location) => throw new FilterSyntaxException($"empty {op} operation");
        }

        private static bool? Test(ExpressionNode node, IFieldSource source)
        {
            switch (node)
            {
                case Logical logical:
                    var unknown = false;
                    foreach (var part in logical.Parts)
                    {
                        var value = Test(part, source);
                        if (value is null) unknown = true;
                        else if (value.Value != logical.All) return !logical.All;
                    }
                    return unknown ? null : logical.All;
                case Not not:
                    return !Test(not.Inner, source);
                case Comparison comparison:
                    var a = Operand(comparison.Left, source);
                    var b = Operand(comparison.Right, source);
                    var leftNull = comparison.Left is Literal { IsNull: true };
                    var rightNull = comparison.Right is Literal { IsNull: true };
                    if (comparison.Op == "$eq" && (leftNull || rightNull)) return (rightNull ? a : b) is null;
                    return Value.Compare(a, b) is int order ? comparison.Holds(order) : null;
                case In @in:
                    var needle = Operand(@in.Needle, source);
                    if (needle is null) return null;
                    return @in.Candidates.Any(c => Value.Compare(needle, Operand(c, source)) == 0);
                case Contains contains:
                    var haystack = Value.AsText(Operand(contains.Input, source));
                    var substring = Value.AsText(Operand(contains.Substring, source));
                    if (haystack is null || substring is null) return null;
                    return haystack.Contains(substring, contains.CaseInsensitive ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);
                case Literal or GetField or Conversion:
                    // An operand where a condition belongs is cast to a boolean, as SQL's WHERE does.
                    return Value.AsNumber(Operand(node, source)) is double number ? number != 0 : null;
                default:
                    throw new InvalidOperationException($"{node.GetType().Name} is not part of the eval_results filter language");
            }
        }

        private static Value? Operand(ExpressionNode node, IFieldSource source)
        {
            switch (node)
            {
                case Literal literal:
                    return literal.Value.ValueKind switch
                    {
                        JsonValueKind.String => new Value(literal.Value.GetString()!),
                        JsonValueKind.Number => new Value(literal.Value.GetDouble()),
                        JsonValueKind.True => new Value(true),
                        JsonValueKind.False => new Value(false),
                        JsonValueKind.Null => null,
                        _ => new Value(literal.Value.GetRawText()),
                    };
                case GetField field:
                    return source.Field(field.Path) is { } text ? new Value(text) : null;
                case Conversion conversion:
                    var value = Operand(conversion.Input, source);
                    switch (conversion.To)
                    {
                        case "exists":
                            return new Value(value is not null);
                        case "string":
                            return Value.AsText(value) is { } converted ? new Value(converted) : null;
                        case "double":
                            return Value.AsNumber(value) is { } number ? new Value(number) : null;
                        case "int":
                            return Value.AsNumber(value) is { } n && !double.IsNaN(n) && !double.IsInfinity(n) ? new Value(Math.Truncate(n)) : null;
                        default:
                            return Value.AsNumber(value) is { } b ? new Value(b != 0) : null;
                    }
                default:
                    return Test(node, source) is { } truth ? new Value(truth) : null;
            }
        }

        /// <summary>A typed value during evaluation: field text, a double, a bool or a string literal.</summary>
        private sealed record Value(object Data)
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
    }
}
