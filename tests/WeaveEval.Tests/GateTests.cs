using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Xml.Linq;
using WeaveEval.Client;
using WeaveEval.Gate;
using Xunit;

namespace WeaveEval.Tests
{
    public class GateRulesTests
    {
        /// <summary>The rules of these settings, given as parameters.</summary>
        internal static GateRules Parse(params (string Key, object? Value)[] settings) =>
            GateRules.Parse(new[] { ("the parameters", settings.Select(s => new KeyValuePair<string, object?>(s.Key, s.Value))) });

        private static Hashtable Map(params (string Key, object Value)[] entries)
        {
            var map = new Hashtable(StringComparer.OrdinalIgnoreCase);
            foreach (var (key, value) in entries) map[key] = value;
            return map;
        }

        [Fact]
        public void Reads_every_rule()
        {
            var rules = Parse(
                ("minimumscore", Map(("exact_match", 0.9), ("LLMJudge.score", 1L))),
                ("BaselineRunId", "base"),
                ("MaximumRegression", 0.05),
                ("MaximumRelativeRegression", Map(("similarity", "0.1"))),
                ("MaximumCostPerRow", 0.01m),
                ("MaximumTokensPerRow", 1500),
                ("MinimumRows", 3.0),
                ("AllowIncomplete", true));
            Assert.Equal(new[] { "LLMJudge.score", "exact_match" }, rules.MinimumScore.Select(m => m.Key).OrderBy(k => k, StringComparer.Ordinal));
            Assert.Equal(1.0, rules.MinimumScore.Single(m => m.Key == "LLMJudge.score").Value);
            Assert.Equal("base", rules.BaselineRunId);
            Assert.Equal(0.05, rules.MaximumRegression!.All);
            Assert.Null(rules.MaximumRelativeRegression!.All);
            Assert.Equal(0.1, rules.MaximumRelativeRegression.PerScorer.Single().Value);
            Assert.Equal(0.01, rules.MaximumCostPerRow);
            Assert.Equal(1500, rules.MaximumTokensPerRow);
            Assert.Equal(3L, rules.MinimumRows);
            Assert.True(rules.AllowIncomplete);
            Assert.True(rules.NeedsCosts);
        }

        [Fact]
        public void Later_layers_replace_the_keys_of_earlier_ones()
        {
            var file = new[] { new KeyValuePair<string, object?>("MinimumRows", 10L), new KeyValuePair<string, object?>("MaximumTokensPerRow", 500L) };
            var parameters = new[] { new KeyValuePair<string, object?>("minimumrows", 2L) };
            var rules = GateRules.Parse(new[] { ("The rule file gate.json", (IEnumerable<KeyValuePair<string, object?>>)file), ("the parameters", parameters) });
            Assert.Equal(2L, rules.MinimumRows);
            Assert.Equal(500, rules.MaximumTokensPerRow);
        }

        [Fact]
        public void Json_rule_files_read_like_parameters()
        {
            var json = (JsonMap)JsonText.Parse("{\"MinimumScore\": {\"exact_match\": 0.5}, \"BaselineRunId\": \"b\", \"MaximumRegression\": {\"exact_match\": 0}}")!;
            var rules = GateRules.Parse(new[] { ("The rule file gate.json", (IEnumerable<KeyValuePair<string, object?>>)json) });
            Assert.Equal(0.5, rules.MinimumScore.Single().Value);
            Assert.Equal("exact_match", rules.MaximumRegression!.PerScorer.Single().Key);
        }

        [Theory]
        [InlineData("MinimumScores", "unknown rule 'MinimumScores'")]
        [InlineData("MinimumScore", "must map score names to numbers")]
        [InlineData("MaximumCostPerRow", "must be a number")]
        [InlineData("MinimumRows", "must be 0 or more")]
        public void Refuses_a_bad_rule_with_a_stable_id(string key, string message)
        {
            object? value = key == "MaximumCostPerRow" ? "cheap" : key == "MinimumRows" ? -1 : 0.9;
            var error = Assert.Throws<WeaveConfigurationException>(() => Parse((key, value)));
            Assert.Equal("InvalidGateRule", error.ErrorId);
            Assert.Equal(WeaveErrorKind.InvalidArgument, error.Kind);
            Assert.Contains(message, error.Message);
            Assert.Contains("the parameters", error.Message);
        }

        [Fact]
        public void A_regression_needs_a_baseline_and_a_baseline_needs_a_regression()
        {
            Assert.Contains("give BaselineRunId too", Assert.Throws<WeaveConfigurationException>(() => Parse(("MaximumRegression", 0.1))).Message);
            Assert.Contains("needs MaximumRegression or MaximumRelativeRegression", Assert.Throws<WeaveConfigurationException>(() => Parse(("BaselineRunId", "b"))).Message);
        }

        [Fact]
        public void A_gate_without_rules_is_refused()
        {
            Assert.Contains("has no rules", Assert.Throws<WeaveConfigurationException>(() => Parse(("AllowIncomplete", true))).Message);
        }

        [Fact]
        public void Rows_must_be_whole()
        {
            Assert.Contains("whole number", Assert.Throws<WeaveConfigurationException>(() => Parse(("MinimumRows", 2.5))).Message);
        }
    }

    public class GateEvaluatorTests
    {
        private const string Candidate = "cand";
        private const string Base = "base";

        private static EvaluationRun Run(string id, string status = "completed") => new EvaluationRun { EvaluationRunId = id, Status = status };

        private static GatedRun Gated(string id, string stats, long rows = 4, string status = "completed", string extra = "", string warnings = "")
        {
            var json = $"{{\"row_count\": {rows}, \"evaluations\": [{{\"evaluation_call_id\": \"{id}\", \"trial_count\": {rows}, {extra} \"scorer_stats\": [{stats}]}}]}}";
            var warningList = warnings.Length == 0 ? null : new[] { warnings };
            return new GatedRun(id, Run(id, status), Mapping.ToSummary((JsonMap)JsonText.Parse(json)!, "e", "p", warningList), "e/p");
        }

        private static string Binary(string key, double rate, string? path = null) =>
            $"{{\"scorer_key\": \"{key}\", \"path\": {(path == null ? "null" : "\"" + path + "\"")}, \"value_type\": \"binary\", \"trial_count\": 4, \"pass_rate\": {rate.ToString(System.Globalization.CultureInfo.InvariantCulture)}, \"pass_known_count\": 4, \"pass_true_count\": 2}}";

        private static string Continuous(string key, double mean) =>
            $"{{\"scorer_key\": \"{key}\", \"path\": null, \"value_type\": \"continuous\", \"trial_count\": 4, \"numeric_mean\": {mean.ToString(System.Globalization.CultureInfo.InvariantCulture)}, \"numeric_count\": 4}}";

        private static GateRules Rules(params (string Key, object? Value)[] settings) => GateRulesTests.Parse(settings);

        private static Hashtable Map(string key, object value) => new Hashtable { [key] = value };

        [Fact]
        public void A_gate_without_runs_fails()
        {
            var result = GateEvaluator.Evaluate(Rules(("MinimumScore", Map("exact_match", 0.5))), new GatedRun[0], null);
            Assert.False(result.Passed);
            var rule = Assert.Single(result.Rules);
            Assert.Equal(("Complete", false), (rule.Rule, rule.Passed));
            Assert.Contains("No evaluation run", rule.Message);
        }

        [Theory]
        [InlineData(0.75, true)]
        [InlineData(0.76, false)]
        public void Minimum_score_compares_the_pass_rate_of_binary_scores(double minimum, bool passed)
        {
            var result = GateEvaluator.Evaluate(Rules(("MinimumScore", Map("exact_match", minimum))), new[] { Gated(Candidate, Binary("exact_match", 0.75)) }, null);
            var rule = result.Rules.Single(r => r.Rule == "MinimumScore");
            Assert.Equal(passed, rule.Passed);
            Assert.Equal(passed, result.Passed);
            Assert.Equal(0.75, rule.Measured);
            Assert.Equal(minimum, rule.Threshold);
            Assert.Contains("Pass rate of 'exact_match'", rule.Message);
        }

        [Fact]
        public void Minimum_score_compares_the_mean_of_continuous_scores_and_finds_nested_ones_by_path()
        {
            var run = Gated(Candidate, Continuous("similarity", 0.7000000000000001) + "," + Binary("LLMJudge", 0.5, "correct"));
            var result = GateEvaluator.Evaluate(Rules(("MinimumScore", new Hashtable { ["similarity"] = 0.7, ["LLMJudge.correct"] = 0.6 })), new[] { run }, null);
            Assert.True(result.Rules.Single(r => r.Scorer == "similarity").Passed);
            var nested = result.Rules.Single(r => r.Scorer == "LLMJudge.correct");
            Assert.False(nested.Passed);
            Assert.Equal(0.5, nested.Measured);
        }

        [Fact]
        public void A_mean_a_rounding_error_below_the_minimum_meets_it()
        {
            var result = GateEvaluator.Evaluate(Rules(("MinimumScore", Map("similarity", 0.7))), new[] { Gated(Candidate, Continuous("similarity", 0.6999999999999999)) }, null);
            Assert.True(result.Passed);
        }

        [Fact]
        public void A_score_the_run_lacks_fails_and_names_the_scores_it_has()
        {
            var result = GateEvaluator.Evaluate(Rules(("MinimumScore", Map("correct", 0.9))), new[] { Gated(Candidate, Binary("exact_match", 1) + "," + Binary("LLMJudge", 1, "correct")) }, null);
            var rule = result.Rules.Single(r => r.Rule == "MinimumScore");
            Assert.False(rule.Passed);
            Assert.Null(rule.Measured);
            Assert.Contains("has no score 'correct'; its scores are: exact_match, LLMJudge.correct", rule.Message);
        }

        [Theory]
        [InlineData(0.1, true)]
        [InlineData(0.05, false)]
        public void Maximum_regression_bounds_the_drop_from_the_baseline(double maximum, bool passed)
        {
            var result = GateEvaluator.Evaluate(
                Rules(("BaselineRunId", Base), ("MaximumRegression", maximum)),
                new[] { Gated(Candidate, Binary("exact_match", 0.7)) },
                Gated(Base, Binary("exact_match", 0.8)));
            var rule = result.Rules.Single(r => r.Rule == "MaximumRegression");
            Assert.Equal(passed, rule.Passed);
            Assert.Equal(0.1, rule.Measured!.Value, 12);
            Assert.Equal(Base, rule.BaselineRunId);
            Assert.Equal(Base, result.BaselineRunId);
        }

        [Theory]
        [InlineData(0.25, true)]
        [InlineData(0.2, false)]
        public void Maximum_relative_regression_bounds_the_drop_as_a_fraction_of_the_baseline(double maximum, bool passed)
        {
            var result = GateEvaluator.Evaluate(
                Rules(("BaselineRunId", Base), ("MaximumRelativeRegression", Map("similarity", maximum))),
                new[] { Gated(Candidate, Continuous("similarity", 0.6)) },
                Gated(Base, Continuous("similarity", 0.8)));
            var rule = result.Rules.Single(r => r.Rule == "MaximumRelativeRegression");
            Assert.Equal(passed, rule.Passed);
            Assert.Equal(0.25, rule.Measured!.Value, 12);
        }

        [Fact]
        public void An_improvement_is_a_negative_regression()
        {
            var result = GateEvaluator.Evaluate(
                Rules(("BaselineRunId", Base), ("MaximumRegression", 0)),
                new[] { Gated(Candidate, Binary("exact_match", 0.9)) },
                Gated(Base, Binary("exact_match", 0.5)));
            Assert.True(result.Passed);
            Assert.True(result.Rules.Single(r => r.Rule == "MaximumRegression").Measured < 0);
        }

        [Fact]
        public void A_score_the_candidate_dropped_fails_the_regression_rule()
        {
            var result = GateEvaluator.Evaluate(
                Rules(("BaselineRunId", Base), ("MaximumRegression", 0.5)),
                new[] { Gated(Candidate, Binary("exact_match", 0.9)) },
                Gated(Base, Binary("exact_match", 0.5) + "," + Continuous("similarity", 0.5)));
            var rule = result.Rules.Single(r => r.Scorer == "similarity");
            Assert.False(rule.Passed);
            Assert.Contains("has no score 'similarity'", rule.Message);
        }

        [Fact]
        public void A_baseline_without_scores_fails_a_regression_rule_for_every_score()
        {
            var result = GateEvaluator.Evaluate(Rules(("BaselineRunId", Base), ("MaximumRegression", 0.5)), new[] { Gated(Candidate, Binary("a", 1)) }, Gated(Base, string.Empty));
            Assert.False(result.Passed);
            Assert.Contains("has no score with a pass rate or mean", result.Rules.Single(r => r.Rule == "MaximumRegression").Message);
        }

        [Theory]
        [InlineData(0.01, true)]
        [InlineData(0.009, false)]
        public void Maximum_cost_per_row_divides_the_runs_cost_by_its_rows(double maximum, bool passed)
        {
            var result = GateEvaluator.Evaluate(Rules(("MaximumCostPerRow", maximum)), new[] { Gated(Candidate, Binary("a", 1), rows: 4, extra: "\"predict_total_cost\": 0.04,") }, null);
            var rule = result.Rules.Single(r => r.Rule == "MaximumCostPerRow");
            Assert.Equal(passed, rule.Passed);
            Assert.Equal(0.01, rule.Measured);
        }

        [Theory]
        [InlineData(250, true)]
        [InlineData(249, false)]
        public void Maximum_tokens_per_row_divides_the_runs_tokens_by_its_rows(double maximum, bool passed)
        {
            var result = GateEvaluator.Evaluate(Rules(("MaximumTokensPerRow", maximum)), new[] { Gated(Candidate, Binary("a", 1), rows: 4, extra: "\"predict_total_tokens\": 1000,") }, null);
            Assert.Equal(passed, result.Rules.Single(r => r.Rule == "MaximumTokensPerRow").Passed);
        }

        [Fact]
        public void A_cost_the_server_did_not_report_fails()
        {
            var result = GateEvaluator.Evaluate(Rules(("MaximumCostPerRow", 1)), new[] { Gated(Candidate, Binary("a", 1)) }, null);
            var rule = result.Rules.Single(r => r.Rule == "MaximumCostPerRow");
            Assert.False(rule.Passed);
            Assert.Contains("priced none of its model calls", rule.Message);
        }

        [Theory]
        [InlineData(4, true)]
        [InlineData(5, false)]
        public void Minimum_rows_counts_the_rows_of_the_run(long minimum, bool passed)
        {
            var result = GateEvaluator.Evaluate(Rules(("MinimumRows", minimum)), new[] { Gated(Candidate, Binary("a", 1), rows: 4) }, null);
            Assert.Equal(passed, result.Rules.Single(r => r.Rule == "MinimumRows").Passed);
        }

        [Theory]
        [InlineData("running", "", false, "is still running")]
        [InlineData("failed", "", false, "ended with an exception")]
        [InlineData("completed", "Failed to resolve dataset row refs", false, "has partial data")]
        [InlineData("running", "", true, "allowed by AllowIncomplete")]
        public void An_incomplete_run_fails_unless_allowed(string status, string warning, bool allow, string message)
        {
            var rules = Rules(("MinimumRows", 1), ("AllowIncomplete", allow));
            var result = GateEvaluator.Evaluate(rules, new[] { Gated(Candidate, Binary("a", 1), status: status, warnings: warning) }, null);
            var rule = result.Rules.Single(r => r.Rule == "Complete");
            Assert.Equal(allow, rule.Passed);
            Assert.Contains(message, rule.Message);
        }

        [Fact]
        public void A_run_that_does_not_exist_fails_with_one_rule()
        {
            var result = GateEvaluator.Evaluate(Rules(("MinimumRows", 1)), new[] { new GatedRun("nope", null, null, "e/p") }, null);
            Assert.Equal("Run nope not found in project e/p.", Assert.Single(result.Rules).Message);
            Assert.False(result.Passed);
        }

        [Fact]
        public void Every_run_is_gated_in_order()
        {
            var result = GateEvaluator.Evaluate(
                Rules(("BaselineRunId", Base), ("MaximumRegression", 0.1)),
                new[] { Gated("one", Binary("a", 0.9)), Gated("two", Binary("a", 0.5)) },
                Gated(Base, Binary("a", 0.9)));
            Assert.Equal(new[] { Base, "one", "one", "two", "two" }, result.Rules.Select(r => r.EvaluationRunId));
            Assert.Equal(new[] { "one", "two" }, result.EvaluationRunId);
            Assert.Equal(1, result.FailedCount);
            Assert.False(result.Passed);
        }
    }

    public class GateReportsTests
    {
        private static GateResult Result() => new GateResult(
            new[] { "run-1" },
            null,
            new[]
            {
                new GateRuleResult { Rule = "Complete", EvaluationRunId = "run-1", Passed = true, Message = "Run run-1 is complete." },
                new GateRuleResult { Rule = "MinimumScore", EvaluationRunId = "run-1", Scorer = "a|b", Measured = 0.5, Threshold = 0.9, Message = "100% <bad> & 'worse'\nsecond line" },
            });

        [Fact]
        public void JUnit_has_one_test_case_per_rule_and_a_failure_with_measured_and_threshold()
        {
            using var stream = new MemoryStream();
            GateReports.WriteJUnit(Result(), stream, new DateTime(2026, 7, 10, 14, 3, 11, DateTimeKind.Utc));
            stream.Position = 0;
            var document = XDocument.Load(stream);
            var suite = document.Root!.Element("testsuite")!;
            Assert.Equal("2", suite.Attribute("tests")!.Value);
            Assert.Equal("1", suite.Attribute("failures")!.Value);
            Assert.Equal("1", document.Root.Attribute("failures")!.Value);
            Assert.Equal("2026-07-10T14:03:11", suite.Attribute("timestamp")!.Value);
            var cases = suite.Elements("testcase").ToList();
            Assert.Equal(new[] { "Complete", "MinimumScore a|b" }, cases.Select(c => c.Attribute("name")!.Value));
            Assert.All(cases, c => Assert.Equal("WeaveEval.Gate.run-1", c.Attribute("classname")!.Value));
            var failure = cases[1].Element("failure")!;
            Assert.Equal("100% <bad> & 'worse'\nsecond line", failure.Attribute("message")!.Value.Replace("\r\n", "\n"));
            Assert.Contains("Measured: 0.5", failure.Value);
            Assert.Contains("Threshold: 0.9", failure.Value);
            Assert.Null(cases[0].Element("failure"));
        }

        [Fact]
        public void Markdown_lists_failed_rules_first_with_table_cells_escaped()
        {
            var markdown = GateReports.Markdown(Result());
            var lines = markdown.Split('\n');
            Assert.Equal("### Weave evaluation gate: failed", lines[0]);
            Assert.Contains("1 of 2 rules failed for `run-1`.", markdown);
            var rows = lines.Where(l => l.StartsWith("| ", StringComparison.Ordinal)).Skip(1).ToList();
            Assert.StartsWith("| **failed** | `run-1` | MinimumScore | a\\|b | 0.5 | 0.9 | 100% <bad> & 'worse' second line |", rows[0]);
            Assert.StartsWith("| passed |", rows[1]);
        }

        [Fact]
        public void GitHub_annotations_keep_each_failure_on_one_line()
        {
            var line = Assert.Single(GateReports.GitHubAnnotations(Result()));
            Assert.Equal("::error title=Weave evaluation gate%3A MinimumScore a|b::100%25 <bad> & 'worse'%0Asecond line", line);
        }

        [Fact]
        public void Azure_issues_and_the_summary_command_are_escaped_for_the_agent()
        {
            var line = Assert.Single(GateReports.AzureIssues(Result()));
            Assert.Equal("##vso[task.logissue type=error]Weave evaluation gate: 100%AZP25 <bad> & 'worse'%0Asecond line", line);
            Assert.Equal("##vso[task.uploadsummary]/tmp/a%3Bb.md", GateReports.AzureUploadSummary("/tmp/a;b.md"));
        }
    }
}
