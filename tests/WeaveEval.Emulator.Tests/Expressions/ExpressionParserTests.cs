using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using WeaveEval.Emulator.Expressions;

namespace WeaveEval.Emulator.Tests.Expressions
{
    public sealed class ExpressionParserTests
    {
        /// <summary>Records every problem with its location and goes on, the way the calls query reports 422s.</summary>
        private sealed class RecordingDialect : IExpressionDialect
        {
            public RecordingDialect(bool hasSize) { HasSize = hasSize; }

            public bool HasSize { get; }

            public List<string> Problems { get; } = new();

            public ExpressionNode Invalid(JsonElement json, object[] location, string why)
            {
                Problems.Add(string.Join("/", location) + ": " + why);
                return Literal.Null;
            }

            public ExpressionNode Empty(string op, JsonElement json, object[] location)
            {
                Problems.Add(string.Join("/", location) + ": empty");
                return Literal.Null;
            }
        }

        private static ExpressionNode Parse(string json, RecordingDialect dialect) =>
            ExpressionParser.Parse(JsonDocument.Parse(json).RootElement, dialect, new object[] { "$expr" });

        [Fact]
        public void Operators_and_operands_nest_into_one_tree_that_lists_its_fields_in_order()
        {
            var dialect = new RecordingDialect(hasSize: true);
            var tree = Parse(
                "{\"$and\":[{\"$not\":[{\"$eq\":[{\"$getField\":\"a\"},{\"$literal\":null}]}]},"
                + "{\"$in\":[{\"$convert\":{\"input\":{\"$getField\":\"b\"},\"to\":\"int\"}},[{\"$literal\":1},{\"$getField\":\"c\"}]]},"
                + "{\"$contains\":{\"input\":{\"$getField\":\"d\"},\"substr\":{\"$literal\":\"x\"},\"case_insensitive\":true}},"
                + "{\"$gte\":[{\"$size\":{\"$getField\":\"e\"}},{\"$literal\":2}]}]}",
                dialect);

            Assert.Empty(dialect.Problems);
            Assert.Equal(new[] { "a", "b", "c", "d", "e" }, tree.Fields());
            var all = Assert.IsType<Logical>(tree);
            Assert.True(all.All);
            Assert.IsType<Not>(all.Parts[0]);
            Assert.IsType<Conversion>(Assert.IsType<In>(all.Parts[1]).Needle);
            Assert.True(Assert.IsType<Contains>(all.Parts[2]).CaseInsensitive);
            Assert.True(((Literal)Assert.IsType<Comparison>(((Not)all.Parts[0]).Inner).Right).IsNull);
            Assert.True(Assert.IsType<Comparison>(all.Parts[3]).Holds(1));
        }

        [Fact]
        public void Problems_are_reported_at_their_own_location_and_size_only_where_the_dialect_has_it()
        {
            var dialect = new RecordingDialect(hasSize: false);
            Parse("{\"$or\":[{\"$eq\":[{\"$getField\":1},\"bare\"]},{\"$in\":[{\"$literal\":1},{\"$literal\":[1]}]},"
                + "{\"$size\":{\"$getField\":\"e\"}},{\"$convert\":{\"input\":{\"$literal\":1},\"to\":\"date\"}},{\"$and\":[]}]}", dialect);

            Assert.Equal(new[]
            {
                "$expr/$or/0/$eq/0/$getField: $getField takes a field name",
                "$expr/$or/0/$eq/1: an operand must be an object with exactly one $-key",
                "$expr/$or/1/$in: $in takes [operand, [operands]]",
                "$expr/$or/2: unknown operator $size",
                "$expr/$or/3/$convert: $convert takes {input, to: double|string|int|bool|exists}",
                "$expr/$or/4/$and: empty",
            }, dialect.Problems);
        }
    }
}
