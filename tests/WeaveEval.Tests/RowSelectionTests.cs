using System.Collections;
using System.Collections.Generic;
using System.Text;
using WeaveEval.Client;
using Xunit;

namespace WeaveEval.Tests
{
    public class RowSelectionTests
    {
        private static string Body(RowSelection selection) => Encoding.UTF8.GetString(Json.Build(selection.WriteTo));

        private static Hashtable Filter(params object?[] pairs)
        {
            var filter = new Hashtable();
            for (var i = 0; i < pairs.Length; i += 2) filter.Add(pairs[i]!, pairs[i + 1]);
            return filter;
        }

        [Fact]
        public void No_selection_writes_nothing()
        {
            Assert.Equal("{}", Body(RowSelection.All));
            Assert.True(RowSelection.Create(null, null, false, false).IsEmpty);
        }

        [Fact]
        public void A_value_filter_is_an_eq_of_the_score_and_every_filter_must_hold()
        {
            var selection = RowSelection.Create(new[] { Filter("Scorer", "LLMJudge.correct", "Value", false), Filter("input", "id", "in", new object[] { "q1", 2 }) }, null, false, false);
            Assert.Equal(
                "{\"filters\":[{\"query\":{\"$expr\":{\"$eq\":[{\"$getField\":\"scores.LLMJudge.correct\"},{\"$literal\":false}]}}},"
                + "{\"query\":{\"$expr\":{\"$in\":[{\"$getField\":\"inputs.id\"},[{\"$literal\":\"q1\"},{\"$literal\":2}]]}}}],"
                + "\"filter_logic_operator\":\"and\"}",
                Body(selection));
        }

        [Fact]
        public void Upper_bounds_are_negated_lower_comparisons_and_a_range_is_an_and()
        {
            var selection = RowSelection.Create(new[] { Filter("Scorer", "similarity", "Above", 0.2, "AtMost", 0.5m, "RunId", "run-a") }, null, false, false);
            var body = Body(selection);
            Assert.Contains("\"evaluation_call_id\":\"run-a\"", body);
            Assert.Contains("{\"$and\":[{\"$gt\":[{\"$getField\":\"scores.similarity\"},{\"$literal\":0.2}]},{\"$not\":[{\"$gt\":[{\"$getField\":\"scores.similarity\"},{\"$literal\":0.5}]}]}]}", body);
        }

        [Fact]
        public void Output_and_Field_name_the_model_output_and_contains_ignores_case()
        {
            var body = Body(RowSelection.Create(new[] { Filter("Output", "label", "Value", "spam"), Filter("Field", "output.output", "Contains", "sorry") }, null, false, false));
            Assert.Contains("{\"$getField\":\"output.output.label\"}", body);
            Assert.Contains("{\"$contains\":{\"input\":{\"$getField\":\"output.output\"},\"substr\":{\"$literal\":\"sorry\"},\"case_insensitive\":true}}", body);
        }

        [Theory]
        [InlineData("similarity", "scores.similarity", null)]
        [InlineData("Score.LLMJudge.score", "scores.LLMJudge.score", null)]
        [InlineData("Input.question", "inputs.question", null)]
        [InlineData("Output", "output.output", null)]
        [InlineData("output.label", "output.output.label", null)]
        [InlineData("Difference:similarity", "scores.similarity", "difference")]
        public void Sort_entries_name_server_fields(string entry, string field, string? mode)
        {
            var body = Body(RowSelection.Create(null, new[] { entry }, true, false));
            var expected = "{\"field\":\"" + field + "\",\"direction\":\"desc\"" + (mode == null ? "" : ",\"mode\":\"" + mode + "\"") + "}";
            Assert.Equal("{\"sort_by\":[" + expected + "]}", body);
        }

        [Fact]
        public void FailedOnly_ORs_the_true_false_scores_and_escapes_dots_in_scorer_names()
        {
            var selection = RowSelection.Create(null, null, false, true);
            Assert.Null(selection.ForFailures(new List<(string, string?)>()));
            var resolved = selection.ForFailures(new List<(string, string?)> { ("exact_match", null), ("v1.judge", "correct"), ("exact_match", null) })!;
            Assert.Equal(
                "{\"filters\":[{\"query\":{\"$expr\":{\"$or\":[{\"$eq\":[{\"$getField\":\"scores.exact_match\"},{\"$literal\":false}]},"
                + "{\"$eq\":[{\"$getField\":\"scores.v1\\\\.judge.correct\"},{\"$literal\":false}]}]}}}],\"filter_logic_operator\":\"and\"}",
                Body(resolved));
        }

        [Fact]
        public void FailedOnly_cannot_be_written_before_the_scores_are_known()
        {
            Assert.Throws<System.InvalidOperationException>(() => Body(RowSelection.Create(null, null, false, true)));
        }

        [Theory]
        [InlineData("Scorer", "x", "Valu", 1)]
        [InlineData("Scorer", "x", "Below", "0.5")]
        [InlineData("Scorer", "x", "Below", double.NaN)]
        [InlineData("Scorer", "", "Value", 1)]
        [InlineData("Field", "outputs.x", "Value", 1)]
        [InlineData("Scorer", "x", "Contains", 3)]
        public void Bad_filters_are_InvalidFilter(string fieldKey, string field, string conditionKey, object condition)
        {
            var error = Assert.Throws<WeaveException>(() => RowSelection.Create(new[] { Filter(fieldKey, field, conditionKey, condition) }, null, false, false));
            Assert.Equal(RowSelection.InvalidFilterId, error.ErrorId);
            Assert.Equal(WeaveErrorKind.InvalidArgument, error.Kind);
        }

        [Fact]
        public void Keys_differing_only_in_case_are_one_key_twice()
        {
            var filter = new Dictionary<string, object?> { ["Scorer"] = "x", ["value"] = 1, ["VALUE"] = 2 };
            var error = Assert.Throws<WeaveException>(() => RowSelection.Create(new IDictionary[] { filter }, null, false, false));
            Assert.Contains("twice", error.Message);
        }

        [Fact]
        public void Descending_without_a_sort_is_InvalidSortBy()
        {
            Assert.Equal(RowSelection.InvalidSortId, Assert.Throws<WeaveException>(() => RowSelection.Create(null, null, true, false)).ErrorId);
        }

        [Fact]
        public void RunId_and_difference_are_checked_against_the_runs_of_a_query()
        {
            var scoped = RowSelection.Create(new[] { Filter("Scorer", "x", "Value", true, "RunId", "b") }, null, false, false);
            scoped.CheckRuns(new[] { "a", "b" });
            Assert.Equal(RowSelection.InvalidFilterId, Assert.Throws<WeaveException>(() => scoped.CheckRuns(new[] { "a" })).ErrorId);
            var difference = RowSelection.Create(null, new[] { "Difference:x" }, false, false);
            difference.CheckRuns(new[] { "a", "b" });
            Assert.Equal(RowSelection.InvalidSortId, Assert.Throws<WeaveException>(() => difference.CheckRuns(new[] { "a" })).ErrorId);
        }
    }
}
