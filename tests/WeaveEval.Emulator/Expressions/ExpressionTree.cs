using System.Collections.Generic;
using System.Linq;
using System.Text.Json;

namespace WeaveEval.Emulator.Expressions
{
    /// <summary>
    /// One node of a parsed Weave <c>Query</c> <c>$expr</c>. The calls query and the eval_results filters
    /// share this tree and its parser; each evaluates it with its own field access and logic.
    /// </summary>
    internal abstract record ExpressionNode
    {
        /// <summary>Every <c>$getField</c> path used, in document order.</summary>
        public IEnumerable<string> Fields() => this switch
        {
            GetField field => new[] { field.Path },
            Logical logical => logical.Parts.SelectMany(p => p.Fields()),
            Not not => not.Inner.Fields(),
            Comparison comparison => comparison.Left.Fields().Concat(comparison.Right.Fields()),
            In @in => @in.Needle.Fields().Concat(@in.Candidates.SelectMany(c => c.Fields())),
            Contains contains => contains.Input.Fields().Concat(contains.Substring.Fields()),
            Size size => size.Input.Fields(),
            Conversion conversion => conversion.Input.Fields(),
            _ => Enumerable.Empty<string>(),
        };
    }

    internal sealed record Logical(bool All, ExpressionNode[] Parts) : ExpressionNode;

    internal sealed record Not(ExpressionNode Inner) : ExpressionNode;

    /// <summary><c>$eq</c>, <c>$gt</c>, <c>$gte</c>, <c>$lt</c> or <c>$lte</c>.</summary>
    internal sealed record Comparison(string Op, ExpressionNode Left, ExpressionNode Right) : ExpressionNode
    {
        /// <summary>Whether the operator holds for a three-way <paramref name="order"/> of left against right.</summary>
        public bool Holds(int order) => Op switch
        {
            "$eq" => order == 0,
            "$gt" => order > 0,
            "$gte" => order >= 0,
            "$lt" => order < 0,
            _ => order <= 0,
        };
    }

    internal sealed record In(ExpressionNode Needle, ExpressionNode[] Candidates) : ExpressionNode;

    internal sealed record Contains(ExpressionNode Input, ExpressionNode Substring, bool CaseInsensitive) : ExpressionNode;

    internal sealed record Size(ExpressionNode Input) : ExpressionNode;

    /// <summary>A <c>$literal</c>; each engine decides what its JSON value means.</summary>
    internal sealed record Literal(JsonElement Value) : ExpressionNode
    {
        public static readonly Literal Null = new(JsonDocument.Parse("null").RootElement);

        public static readonly Literal True = new(JsonDocument.Parse("true").RootElement);

        public bool IsNull => Value.ValueKind == JsonValueKind.Null;
    }

    internal sealed record GetField(string Path) : ExpressionNode;

    /// <summary>A <c>$convert</c> to one of <see cref="Targets"/>.</summary>

    internal sealed record Conversion(ExpressionNode Input, string To) : ExpressionNode
    {
        public static readonly string[] Targets = { "double", "string", "int", "bool", "exists" };
    }

    /// <summary>What differs between the engines while parsing: which operators exist and how a bad piece is reported.</summary>
    internal interface IExpressionDialect
    {
        /// <summary>Whether <c>$size</c> is part of the language.</summary>
        bool HasSize { get; }

        /// <summary>Reports a malformed piece at <paramref name="location"/>: throws, or records it and returns a stand-in node.</summary>
        ExpressionNode Invalid(JsonElement json, object[] location, string why);

        /// <summary>Reports an <c>$and</c>/<c>$or</c> with an empty list, the same ways.</summary>
        ExpressionNode Empty(string op, JsonElement json, object[] location);
    }

    /// <summary>
    /// Parses the operator tree. Operands are allowed wherever an operation is (the contract's wording), so
    /// one recursive method reads both; <paramref name="location"/> is the FastAPI path of the piece read and
    /// <paramref name="role"/> only words the error for a piece that is not a one-key object.
    /// </summary>
    internal static class ExpressionParser
    {
        public static ExpressionNode Parse(JsonElement json, IExpressionDialect dialect, object[] location, string role = "operation")
        {
            if (json.ValueKind != JsonValueKind.Object || json.EnumerateObject().Count() != 1)
            {
                return dialect.Invalid(json, location, $"an {role} must be an object with exactly one $-key");
            }
            var property = json.EnumerateObject().First();
            var op = property.Name;
            var value = property.Value;
            var at = location.Append(op).ToArray();
            ExpressionNode Operand(JsonElement item, params object[] steps) => Parse(item, dialect, at.Concat(steps).ToArray(), "operand");

            switch (op)
            {
                case "$and":
                case "$or":
                    if (value.ValueKind != JsonValueKind.Array) return dialect.Invalid(value, at, "expected a list");
                    if (value.GetArrayLength() == 0) return dialect.Empty(op, value, at);
                    return new Logical(op == "$and", value.EnumerateArray().Select((item, i) => Operand(item, i)).ToArray());
                case "$not":
                    if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 1) return dialect.Invalid(value, at, "$not takes a list of exactly one operation");
                    return new Not(Operand(value[0], 0));
                case "$eq":
                case "$gt":
                case "$gte":
                case "$lt":
                case "$lte":
                    if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 2) return dialect.Invalid(value, at, $"{op} takes a list of two operands");
                    return new Comparison(op, Operand(value[0], 0), Operand(value[1], 1));
                case "$in":
                    if (value.ValueKind != JsonValueKind.Array || value.GetArrayLength() != 2 || value[1].ValueKind != JsonValueKind.Array)
                    {
                        return dialect.Invalid(value, at, "$in takes [operand, [operands]]");
                    }
                    return new In(Operand(value[0], 0), value[1].EnumerateArray().Select((item, i) => Operand(item, 1, i)).ToArray());
                case "$contains":
                    if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("input", out var input) || !value.TryGetProperty("substr", out var substring))
                    {
                        return dialect.Invalid(value, at, "$contains takes {input, substr, case_insensitive}");
                    }
                    var caseInsensitive = value.TryGetProperty("case_insensitive", out var flag) && flag.ValueKind == JsonValueKind.True;
                    return new Contains(Operand(input, "input"), Operand(substring, "substr"), caseInsensitive);
                case "$size" when dialect.HasSize:
                    return new Size(Parse(value, dialect, at, "operand"));
                case "$literal":
                    return new Literal(value.Clone());
                case "$getField":
                    if (value.ValueKind != JsonValueKind.String) return dialect.Invalid(value, at, "$getField takes a field name");
                    return new GetField(value.GetString()!);
                case "$convert":
                    if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty("input", out var converted) || !value.TryGetProperty("to", out var to)
                        || to.ValueKind != JsonValueKind.String || !Conversion.Targets.Contains(to.GetString()))
                    {
                        return dialect.Invalid(value, at, "$convert takes {input, to: double|string|int|bool|exists}");
                    }
                    return new Conversion(Operand(converted, "input"), to.GetString()!);
                default:
                    return dialect.Invalid(json, location, $"unknown operator {op}");
            }
        }
    }
}
