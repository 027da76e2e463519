using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using WeaveEval.Client;

namespace WeaveEval.Gate
{
    /// <summary>What the server told about one run: the run itself (null when it does not exist) and its own summary.</summary>
    public sealed class GatedRun
    {
        public GatedRun(string evaluationRunId, EvaluationRun? run, EvalSummaryResult? summary, string projectPath)
        {
            EvaluationRunId = evaluationRunId;
            Run = run;
            Summary = summary;
            ProjectPath = projectPath;
        }

        public string EvaluationRunId { get; }

        public EvaluationRun? Run { get; }

        /// <summary>The eval_results summary of this run alone (so its row count is the run's).</summary>
        public EvalSummaryResult? Summary { get; }

        /// <summary><c>entity/project</c>, for the not-found message.</summary>
        public string ProjectPath { get; }
    }

    /// <summary>
    /// Checks <see cref="GateRules"/> against runs, from their summaries only: every value compared is an
    /// aggregate the server computed (pass rate, mean, row count, total tokens and cost), so no result row is read.
    /// </summary>
    public static class GateEvaluator
    {
        public const string CompleteRule = "Complete";
        public const string MinimumRowsRule = GateRules.MinimumRowsKey;
        public const string MinimumScoreRule = GateRules.MinimumScoreKey;
        public const string MaximumRegressionRule = GateRules.MaximumRegressionKey;
        public const string MaximumRelativeRegressionRule = GateRules.MaximumRelativeRegressionKey;
        public const string MaximumCostPerRowRule = GateRules.MaximumCostPerRowKey;
        public const string MaximumTokensPerRowRule = GateRules.MaximumTokensPerRowKey;

        /// <summary>
        /// A measured value this close to its bound (relative to the bound's size) meets it: a mean's last
        /// binary digit depends on the order the server added the values in, and must not decide a gate.
        /// </summary>
        private const double RoundingTolerance = 1e-12;

        /// <summary>The rules of every run (the baseline's completeness first, when there is a baseline), in run order.</summary>
        public static GateResult Evaluate(GateRules rules, IReadOnlyList<GatedRun> runs, GatedRun? baseline)
        {
            if (rules == null) throw new ArgumentNullException(nameof(rules));
            if (runs == null) throw new ArgumentNullException(nameof(runs));
            var results = new List<GateRuleResult>();
            // No run at all (an empty pipe, a listing that found nothing) checks nothing, which must not pass.
            if (runs.Count == 0) results.Add(new GateRuleResult { Rule = CompleteRule, Message = "No evaluation run was given to the gate: there is nothing to pass." });
            if (baseline != null) results.Add(Completeness(baseline, rules.AllowIncomplete, "Baseline run"));
            foreach (var run in runs)
            {
                results.Add(Completeness(run, rules.AllowIncomplete, "Run"));
                if (run.Run == null) continue;
                if (rules.MinimumRows.HasValue) results.Add(Rows(run, rules.MinimumRows.Value));
                foreach (var minimum in rules.MinimumScore) results.Add(Score(run, minimum.Key, minimum.Value));
                if (baseline != null)
                {
                    if (rules.MaximumRegression != null) results.AddRange(Regressions(run, baseline, rules.MaximumRegression, relative: false));
                    if (rules.MaximumRelativeRegression != null) results.AddRange(Regressions(run, baseline, rules.MaximumRelativeRegression, relative: true));
                }
                if (rules.MaximumCostPerRow.HasValue)
                {
                    results.Add(PerRow(run, MaximumCostPerRowRule, "cost", "USD", t => t.TotalCost, rules.MaximumCostPerRow.Value,
                        "the server priced none of its model calls (no usage, or models missing from the project's price table)"));
                }
                if (rules.MaximumTokensPerRow.HasValue)
                {
                    results.Add(PerRow(run, MaximumTokensPerRowRule, "tokens", "tokens", t => t.TotalTokens, rules.MaximumTokensPerRow.Value,
                        "none of its model calls reported token usage"));
                }
            }
            return new GateResult(runs.Select(r => r.EvaluationRunId).ToList(), baseline?.EvaluationRunId, results);
        }

        /// <summary>
        /// A run counts as complete when its evaluation call ended without an exception and the server sent
        /// its summary without warnings. A running run has trials still to come; a failed one stopped before
        /// it scored every row; a warning means the server could not read all of its data.
        /// </summary>
        private static GateRuleResult Completeness(GatedRun run, bool allowIncomplete, string what)
        {
            var result = new GateRuleResult { Rule = CompleteRule, EvaluationRunId = run.EvaluationRunId };
            if (run.Run == null)
            {
                result.Message = $"{what} {run.EvaluationRunId} not found in project {run.ProjectPath}.";
                return result;
            }
            var problems = new List<string>();
            if (run.Run.Status == "running") problems.Add("is still running");
            else if (run.Run.Status == "failed") problems.Add("ended with an exception");
            var warnings = run.Summary?.Warnings ?? Array.Empty<string>();
            if (warnings.Count > 0) problems.Add("has partial data (the server warned: " + string.Join(" ", warnings) + ")");
            if (problems.Count == 0)
            {
                result.Passed = true;
                result.Message = $"{what} {run.EvaluationRunId} is complete.";
            }
            else if (allowIncomplete)
            {
                result.Passed = true;
                result.Message = $"{what} {run.EvaluationRunId} {string.Join(" and ", problems)}; allowed by AllowIncomplete.";
            }
            else
            {
                result.Message = $"{what} {run.EvaluationRunId} {string.Join(" and ", problems)}; its results are not final (AllowIncomplete gates such runs anyway).";
            }
            return result;
        }

        private static GateRuleResult Rows(GatedRun run, long minimum)
        {
            var rows = run.Summary?.RowCount ?? 0;
            var passed = rows >= minimum;
            return new GateRuleResult
            {
                Rule = MinimumRowsRule,
                EvaluationRunId = run.EvaluationRunId,
                Measured = rows,
                Threshold = minimum,
                Passed = passed,
                Message = $"Run {run.EvaluationRunId} evaluated {rows} rows; {(passed ? "the minimum is" : "below the minimum of")} {minimum}.",
            };
        }

        private static GateRuleResult Score(GatedRun run, string scorer, double minimum)
        {
            var result = new GateRuleResult { Rule = MinimumScoreRule, EvaluationRunId = run.EvaluationRunId, Scorer = scorer, Threshold = minimum };
            var stat = FindStat(run, scorer);
            if (stat == null)
            {
                result.Message = MissingScorer(run, scorer);
                return result;
            }
            result.Scorer = stat.Scorer;
            if (stat.Value == null)
            {
                result.Message = NoValue(run, stat);
                return result;
            }
            var value = stat.Value.Value;
            result.Measured = value;
            result.Passed = value >= minimum || Near(value, minimum);
            result.Message = $"{Describe(stat)} of run {run.EvaluationRunId}: {Format(value)} {(result.Passed ? "meets" : "is below")} the minimum {Format(minimum)}.";
            return result;
        }

        private static IEnumerable<GateRuleResult> Regressions(GatedRun run, GatedRun baseline, RegressionLimit limit, bool relative)
        {
            var rule = relative ? MaximumRelativeRegressionRule : MaximumRegressionRule;
            IEnumerable<KeyValuePair<string, double>> bounds = limit.PerScorer;
            if (limit.All.HasValue)
            {
                // Every score of the baseline that has a pass rate or a mean: a score the candidate dropped fails.
                bounds = (baseline.Summary?.Stats ?? Array.Empty<ScorerStat>())
                    .Where(stat => stat.EvaluationRunId == baseline.EvaluationRunId && stat.Value.HasValue)
                    .Select(stat => new KeyValuePair<string, double>(stat.Scorer, limit.All.Value));
            }
            var checkedAny = false;
            foreach (var bound in bounds)
            {
                checkedAny = true;
                yield return Regression(run, baseline, rule, bound.Key, bound.Value, relative);
            }
            if (!checkedAny && baseline.Run != null)
            {
                // A bound for every score, and the baseline has none to compare: nothing was checked, so nothing passed.
                yield return new GateRuleResult
                {
                    Rule = rule,
                    EvaluationRunId = run.EvaluationRunId,
                    BaselineRunId = baseline.EvaluationRunId,
                    Threshold = limit.All,
                    Message = $"Baseline run {baseline.EvaluationRunId} has no score with a pass rate or mean to compare run {run.EvaluationRunId} with.",
                };
            }
        }

        private static GateRuleResult Regression(GatedRun run, GatedRun baseline, string rule, string scorer, double maximum, bool relative)
        {
            var result = new GateRuleResult
            {
                Rule = rule,
                EvaluationRunId = run.EvaluationRunId,
                BaselineRunId = baseline.EvaluationRunId,
                Scorer = scorer,
                Threshold = maximum,
            };
            if (baseline.Run == null)
            {
                result.Message = $"Baseline run {baseline.EvaluationRunId} not found in project {baseline.ProjectPath}: nothing to compare {scorer} of run {run.EvaluationRunId} with.";
                return result;
            }
            var before = FindStat(baseline, scorer);
            var after = FindStat(run, scorer);
            if (before == null)
            {
                result.Message = MissingScorer(baseline, scorer, "Baseline run");
                return result;
            }
            if (after == null)
            {
                result.Message = MissingScorer(run, scorer);
                return result;
            }
            result.Scorer = after.Scorer;
            if (before.Value == null || after.Value == null)
            {
                result.Message = before.Value == null ? NoValue(baseline, before) : NoValue(run, after);
                return result;
            }
            // Scores are higher-is-better: a drop is the baseline's value minus the run's.
            var drop = before.Value.Value - after.Value.Value;
            double measured;
            if (!relative) measured = drop;
            else if (before.Value.Value != 0) measured = drop / Math.Abs(before.Value.Value);
            else measured = drop > 0 ? double.PositiveInfinity : 0;
            result.Measured = measured;
            result.Passed = measured <= maximum || Near(measured, maximum);
            var change = relative ? FormatPercent(measured) : Format(measured);
            var bound = relative ? FormatPercent(maximum) : Format(maximum);
            result.Message = $"{Describe(after)} of run {run.EvaluationRunId} is {Format(after.Value.Value)}, baseline {baseline.EvaluationRunId} has {Format(before.Value.Value)}: "
                + $"a {(relative ? "relative " : string.Empty)}drop of {change}, {(result.Passed ? "within" : "more than")} the maximum {bound}.";
            return result;
        }

        private static GateRuleResult PerRow(GatedRun run, string rule, string what, string unit, Func<EvaluationTotals, double?> total, double maximum, string whyUnknown)
        {
            var result = new GateRuleResult { Rule = rule, EvaluationRunId = run.EvaluationRunId, Threshold = maximum };
            var totals = run.Summary?.Evaluations.FirstOrDefault(t => t.EvaluationRunId == run.EvaluationRunId);
            var rows = run.Summary?.RowCount ?? 0;
            var sum = totals == null ? null : total(totals);
            if (rows == 0 || sum == null)
            {
                result.Message = rows == 0
                    ? $"Run {run.EvaluationRunId} has no evaluated rows: its {what} per row cannot be measured."
                    : $"Run {run.EvaluationRunId}: the {what} per row cannot be measured because {whyUnknown}.";
                return result;
            }
            var perRow = sum.Value / rows;
            result.Measured = perRow;
            result.Passed = perRow <= maximum || Near(perRow, maximum);
            result.Message = $"Run {run.EvaluationRunId} used {Format(perRow)} {unit} per row ({Format(sum.Value)} over {rows} rows); {(result.Passed ? "within" : "exceeds")} the maximum {Format(maximum)}.";
            return result;
        }

        /// <summary>The run's dimension named <paramref name="scorer"/>: its exact name, else the one name that differs only in case.</summary>
        private static ScorerStat? FindStat(GatedRun run, string scorer)
        {
            var stats = (run.Summary?.Stats ?? Array.Empty<ScorerStat>()).Where(stat => stat.EvaluationRunId == run.EvaluationRunId).ToList();
            var exact = stats.FirstOrDefault(stat => string.Equals(stat.Scorer, scorer, StringComparison.Ordinal));
            if (exact != null) return exact;
            var similar = stats.Where(stat => string.Equals(stat.Scorer, scorer, StringComparison.OrdinalIgnoreCase)).ToList();
            return similar.Count == 1 ? similar[0] : null;
        }

        private static string MissingScorer(GatedRun run, string scorer, string what = "Run")
        {
            var names = (run.Summary?.Stats ?? Array.Empty<ScorerStat>()).Where(stat => stat.EvaluationRunId == run.EvaluationRunId).Select(stat => stat.Scorer).Distinct().ToList();
            return names.Count == 0
                ? $"{what} {run.EvaluationRunId} has no score '{scorer}': it has no scored trials."
                : $"{what} {run.EvaluationRunId} has no score '{scorer}'; its scores are: {string.Join(", ", names)}.";
        }

        private static string NoValue(GatedRun run, ScorerStat stat) =>
            $"Score '{stat.Scorer}' of run {run.EvaluationRunId} has no pass rate or mean (its values are {stat.ValueType ?? "of no known type"}), so it cannot be gated.";

        private static string Describe(ScorerStat stat) =>
            stat.ValueType == "binary" ? $"Pass rate of '{stat.Scorer}'" : $"Mean of '{stat.Scorer}'";

        private static bool Near(double value, double bound) =>
            !double.IsInfinity(value) && Math.Abs(value - bound) <= RoundingTolerance * Math.Max(1.0, Math.Abs(bound));

        private static string Format(double value) => double.IsPositiveInfinity(value) ? "infinity" : value.ToString("0.######", CultureInfo.InvariantCulture);

        private static string FormatPercent(double fraction) => double.IsPositiveInfinity(fraction) ? "infinity" : (fraction * 100).ToString("0.####", CultureInfo.InvariantCulture) + " %";
    }
}
