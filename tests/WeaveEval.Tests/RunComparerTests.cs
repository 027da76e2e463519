using System.Collections.Generic;
using System.Linq;
using WeaveEval.Client;

namespace WeaveEval.Tests
{
    /// <summary>The comparison rules without a server: trial aggregation, classification, totals and the warnings' conditions.</summary>
    public class RunComparerTests
    {
        private const string Baseline = "base";
        private const string Candidate = "cand";

        [Theory]
        [InlineData(TrialAggregation.Mean, new[] { 1.0, 0.0, 0.0 }, 1.0 / 3)]
        [InlineData(TrialAggregation.Majority, new[] { 1.0, 1.0, 0.0 }, 1.0)]
        [InlineData(TrialAggregation.Majority, new[] { 1.0, 0.0 }, 0.0)]
        [InlineData(TrialAggregation.AnyPass, new[] { 0.0, 0.0, 1.0 }, 1.0)]
        [InlineData(TrialAggregation.AllPass, new[] { 1.0, 1.0, 0.0 }, 0.0)]
        [InlineData(TrialAggregation.First, new[] { 0.0, 1.0, 1.0 }, 0.0)]
        public void Binary_trials_aggregate(TrialAggregation aggregation, double[] trials, double expected)
        {
            Assert.Equal(expected, new ComparisonRules(aggregation).Aggregate(trials, binary: true, lowerIsBetter: false)!.Value, 12);
        }

        [Theory]
        [InlineData(TrialAggregation.Mean, false, 2.0)]
        [InlineData(TrialAggregation.Majority, false, 1.75)]
        [InlineData(TrialAggregation.AnyPass, false, 4.0)]
        [InlineData(TrialAggregation.AnyPass, true, 0.5)]
        [InlineData(TrialAggregation.AllPass, false, 0.5)]
        [InlineData(TrialAggregation.AllPass, true, 4.0)]
        [InlineData(TrialAggregation.First, false, 1.0)]
        public void Continuous_trials_aggregate_to_the_best_or_worst_by_direction(TrialAggregation aggregation, bool lowerIsBetter, double expected)
        {
            var trials = new[] { 1.0, 4.0, 0.5, 2.5 };
            Assert.Equal(expected, new ComparisonRules(aggregation).Aggregate(trials, binary: false, lowerIsBetter)!.Value, 12);
        }

        [Fact]
        public void No_trials_is_no_value()
        {
            Assert.Null(new ComparisonRules().Aggregate(new double[0], binary: true, lowerIsBetter: false));
        }

        [Theory]
        [InlineData(1.0, 0.0, false, 0.0, "Regressed")]
        [InlineData(0.0, 1.0, false, 0.0, "Improved")]
        [InlineData(0.5, 0.5, false, 0.0, "Unchanged")]
        [InlineData(0.5, 0.4, false, 0.2, "Unchanged")]
        [InlineData(0.5, 0.2, false, 0.2, "Regressed")]
        [InlineData(2.0, 1.0, true, 0.0, "Improved")]
        [InlineData(1.0, 4.0, true, 0.0, "Regressed")]
        public void A_change_beyond_the_tolerance_in_the_wrong_direction_is_a_regression(double baseline, double candidate, bool lowerIsBetter, double tolerance, string change)
        {
            var (delta, actual) = new ComparisonRules(tolerance: tolerance).Classify(baseline, candidate, lowerIsBetter);
            Assert.Equal(change, actual);
            Assert.Equal(candidate - baseline, delta!.Value, 12);
        }

        [Fact]
        public void A_value_on_one_side_only_has_no_delta()
        {
            var rules = new ComparisonRules();
            Assert.Equal((null, "OnlyInBaseline"), rules.Classify(1.0, null, false));
            Assert.Equal((null, "OnlyInCandidate"), rules.Classify(null, 0.0, false));
        }

        [Fact]
        public void Lower_is_better_names_a_scorer_and_all_its_paths()
        {
            var rules = new ComparisonRules(lowerIsBetter: new[] { "Latency", "cost.usd", "v1.judge" });
            Assert.True(rules.IsLowerBetter("latency", "latency"));
            Assert.True(rules.IsLowerBetter("latency.p50", "latency"));
            Assert.True(rules.IsLowerBetter("cost.usd", "cost"));
            Assert.False(rules.IsLowerBetter("cost.tokens", "cost"));
            Assert.False(rules.IsLowerBetter("accuracy", "accuracy"));
            // A scorer key with a dot of its own: its paths are its, not those of the part before the dot.
            Assert.True(rules.IsLowerBetter("v1.judge.latency", "v1.judge"));
            Assert.False(rules.IsLowerBetter("v1.other", "v1.other"));
        }

        [Fact]
        public void Lower_is_better_follows_a_scorer_key_that_has_a_dot()
        {
            var comparer = new RunComparer(Baseline, new[] { Candidate }, new ComparisonRules(lowerIsBetter: new[] { "v1.judge" }), "e", "p");
            var latency = (double seconds) => new JsonMap { ["v1.judge"] = new JsonMap { ["latency"] = seconds } };
            var described = comparer.Add(Row("r1", (Baseline, latency(2.0)), (Candidate, latency(1.0))), describe: true)!;
            Assert.Equal(("v1.judge.latency", "Improved"), (described.Single().Scorer, described.Single().Change));
            Assert.True(comparer.Results().Single().LowerIsBetter);
        }

        [Fact]
        public void Totals_count_each_row_once_per_dimension_and_average_the_compared_rows()
        {
            var comparer = new RunComparer(Baseline, new[] { Candidate }, new ComparisonRules(), "e", "p");
            comparer.Add(Row("r1", (Baseline, Scores(true, 1.0)), (Baseline, Scores(true, 0.5)), (Candidate, Scores(false, 0.25))), describe: false);
            comparer.Add(Row("r2", (Baseline, Scores(false, 0.5)), (Candidate, Scores(true, 0.5))), describe: false);
            comparer.Add(Row("r3", (Baseline, Scores(true, 0.5))), describe: false);
            comparer.Add(Row("r4", (Candidate, Scores(true, 0.5))), describe: false);

            var results = comparer.Results();
            Assert.Equal(new[] { "exact", "judge.score" }, results.Select(r => r.Scorer));
            var exact = results[0];
            Assert.Equal("binary", exact.ValueType);
            Assert.Equal((2L, 1L, 1L, 0L, 1L, 1L), (exact.RowsCompared, exact.Regressed, exact.Improved, exact.Unchanged, exact.OnlyInBaseline, exact.OnlyInCandidate));
            Assert.Equal(0.5, exact.BaselineValue);
            Assert.Equal(0.5, exact.CandidateValue);
            Assert.Equal(0.0, exact.Delta);
            var score = results[1];
            Assert.Equal("continuous", score.ValueType);
            Assert.Equal((0.75 + 0.5) / 2, score.BaselineValue!.Value, 12);
            Assert.Equal((0.25 + 0.5) / 2, score.CandidateValue!.Value, 12);
            Assert.Equal(-0.25, score.Delta!.Value, 12);
            Assert.Equal((1L, 0L, 1L), (score.Regressed, score.Improved, score.Unchanged));
            Assert.Equal((2L, 4L), (comparer.RowsInBoth(0), comparer.RowsInEither(0)));
        }

        [Fact]
        public void Rows_are_described_with_their_inputs_and_each_side_s_first_output()
        {
            var comparer = new RunComparer(Baseline, new[] { Candidate }, new ComparisonRules(), "e", "p");
            var row = Row("r1", (Baseline, Scores(true, 1.0)), (Baseline, Scores(false, 1.0)), (Candidate, Scores(false, 1.0)));
            var described = comparer.Add(row, describe: true, onlyScorer: "exact")!;
            var only = Assert.Single(described);
            Assert.Equal(("r1", "exact", "Regressed", -0.5), (only.RowDigest, only.Scorer, only.Change, only.Delta!.Value));
            Assert.Equal("q-r1", only.Inputs!["question"]);
            Assert.Equal("base-0", only.BaselineOutput);
            Assert.Equal("cand-0", only.CandidateOutput);
        }

        [Fact]
        public void Text_lists_and_nulls_are_not_compared()
        {
            var comparer = new RunComparer(Baseline, new[] { Candidate }, new ComparisonRules(), "e", "p");
            var scores = new JsonMap { ["tone"] = "friendly", ["tags"] = new JsonList { "a" }, ["missing"] = null, ["n"] = 3L };
            comparer.Add(Row("r1", (Baseline, scores), (Candidate, scores)), describe: false);
            Assert.Equal(new[] { "n" }, comparer.Results().Select(r => r.Scorer));
        }

        [Fact]
        public void Candidates_are_compared_each_with_the_baseline_in_one_pass()
        {
            var comparer = new RunComparer(Baseline, new[] { "c1", "c2" }, new ComparisonRules(), "e", "p");
            comparer.Add(Row("r1", (Baseline, Scores(true, 1.0)), ("c1", Scores(false, 1.0)), ("c2", Scores(true, 1.0))), describe: false);
            var exact = comparer.Results().Where(r => r.Scorer == "exact").ToList();
            Assert.Equal(new[] { "c1", "c2" }, exact.Select(r => r.CandidateRunId));
            Assert.Equal(new[] { 1L, 0L }, exact.Select(r => r.Regressed));
        }

        [Fact]
        public void Little_overlap_warns_below_half_of_the_rows()
        {
            Assert.Null(ComparisonWarnings.LittleOverlap("b", "c", 3, 6));
            Assert.Contains("share 2 of the 6 rows", ComparisonWarnings.LittleOverlap("b", "c", 2, 6));
            Assert.Null(ComparisonWarnings.LittleOverlap("b", "c", 0, 0));
        }

        [Fact]
        public void Scorer_versions_differ_by_name_and_are_ignored_when_unknown()
        {
            var baseline = new[] { "weave:///e/p/op/exact:AAA", "weave:///e/p/op/sim:SSS" };
            var candidate = new[] { "weave:///e/p/op/exact:BBB", "weave:///e/p/op/sim:SSS", "weave:///e/p/op/new:NNN" };
            var warning = Assert.Single(ComparisonWarnings.DifferentScorerVersions("b", baseline, "c", candidate));
            Assert.Contains("'exact'", warning);
            Assert.Empty(ComparisonWarnings.DifferentScorerVersions("b", null, "c", candidate));
        }

        [Fact]
        public void Different_evaluations_warn_and_unknown_ones_do_not()
        {
            var a = new EvaluationRun { EvaluationRunId = "b", Evaluation = "weave:///e/p/object/qa:111" };
            Assert.Null(ComparisonWarnings.DifferentEvaluations(a, new EvaluationRun { EvaluationRunId = "c", Evaluation = a.Evaluation }));
            Assert.Null(ComparisonWarnings.DifferentEvaluations(a, new EvaluationRun { EvaluationRunId = "c", Evaluation = "" }));
            Assert.Contains("another version of evaluation 'qa'", ComparisonWarnings.DifferentEvaluations(a, new EvaluationRun { EvaluationRunId = "c", Evaluation = "weave:///e/p/object/qa:222" }));
            Assert.Contains("ran evaluation 'smoke'", ComparisonWarnings.DifferentEvaluations(a, new EvaluationRun { EvaluationRunId = "c", Evaluation = "weave:///e/p/object/smoke:111" }));
        }

        private static JsonMap Scores(bool exact, double score) =>
            new JsonMap { ["exact"] = exact, ["judge"] = new JsonMap { ["score"] = score } };

        private static EvalRow Row(string digest, params (string Run, JsonMap Scores)[] trials)
        {
            var row = new EvalRow { RowDigest = digest };
            var inputs = new JsonMap { ["question"] = "q-" + digest };
            foreach (var group in trials.GroupBy(t => t.Run))
            {
                var index = 0;
                foreach (var trial in group)
                {
                    row.Results.Add(new EvalResult { EvaluationRunId = trial.Run, RowDigest = digest, TrialIndex = index, Inputs = inputs, Output = $"{trial.Run}-{index}", Scores = trial.Scores });
                    index++;
                }
            }
            return row;
        }
    }
}
