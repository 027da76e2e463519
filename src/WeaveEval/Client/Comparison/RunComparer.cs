using System;
using System.Collections.Generic;

namespace WeaveEval.Client
{
    /// <summary>
    /// Compares candidate runs with a baseline run one eval_results row at a time. A row holds every trial
    /// of every requested run for one dataset example, so the join on <c>row_digest</c> is done by the
    /// server and nothing here waits for a later row: memory is the running totals of each candidate ×
    /// score dimension, whatever the number of rows.
    /// </summary>
    internal sealed class RunComparer
    {
        private readonly ComparisonRules rules;
        private readonly string entity;
        private readonly string project;
        private readonly Dictionary<string, int> sideOf = new Dictionary<string, int>(StringComparer.Ordinal);
        private readonly Dictionary<string, string> valueTypes = new Dictionary<string, string>(StringComparer.Ordinal);

        /// <summary>The scorer (top-level key of the scores) of each dimension, for -LowerIsBetter.</summary>
        private readonly Dictionary<string, string> scorerKeys = new Dictionary<string, string>(StringComparer.Ordinal);
        private readonly List<string> dimensionOrder = new List<string>();
        private readonly HashSet<string> seenDimensions = new HashSet<string>(StringComparer.Ordinal);
        private readonly Dictionary<string, Totals>[] totals;
        private readonly long[] rowsInBoth;
        private readonly long[] rowsInEither;

        public RunComparer(string baselineRunId, IReadOnlyList<string> candidateRunIds, ComparisonRules rules, string entity, string project)
        {
            BaselineRunId = baselineRunId ?? throw new ArgumentNullException(nameof(baselineRunId));
            CandidateRunIds = candidateRunIds ?? throw new ArgumentNullException(nameof(candidateRunIds));
            this.rules = rules ?? throw new ArgumentNullException(nameof(rules));
            this.entity = entity;
            this.project = project;
            sideOf[baselineRunId] = 0;
            for (var i = 0; i < candidateRunIds.Count; i++)
            {
                if (sideOf.ContainsKey(candidateRunIds[i])) throw new ArgumentException($"Run {candidateRunIds[i]} is given twice.", nameof(candidateRunIds));
                sideOf[candidateRunIds[i]] = i + 1;
            }
            totals = new Dictionary<string, Totals>[candidateRunIds.Count];
            for (var i = 0; i < totals.Length; i++) totals[i] = new Dictionary<string, Totals>(StringComparer.Ordinal);
            rowsInBoth = new long[candidateRunIds.Count];
            rowsInEither = new long[candidateRunIds.Count];
        }

        public string BaselineRunId { get; }

        public IReadOnlyList<string> CandidateRunIds { get; }

        /// <summary>Model names to put on the comparisons, by run id (optional).</summary>
        public IReadOnlyDictionary<string, string?>? ModelNames { get; set; }

        /// <summary>
        /// Fixes a dimension's value type before its values are seen (from the runs' summary); otherwise the
        /// first value decides, true/false for <c>binary</c>, a number for <c>continuous</c>, as the server's summary does.
        /// </summary>
        public void KnowValueType(string scorer, string valueType)
        {
            if (!valueTypes.ContainsKey(scorer)) valueTypes[scorer] = valueType;
        }

        /// <summary>Rows that candidate <paramref name="candidate"/> (its position) and the baseline both have trials in.</summary>
        public long RowsInBoth(int candidate) => rowsInBoth[candidate];

        /// <summary>Rows that the candidate or the baseline has trials in.</summary>
        public long RowsInEither(int candidate) => rowsInEither[candidate];

        /// <summary>
        /// Adds one row to the totals. With <paramref name="describe"/>, returns its comparisons (candidate
        /// order, then dimension order), of the dimension <paramref name="onlyScorer"/> when that is given.
        /// </summary>
        public List<RowComparison>? Add(EvalRow row, bool describe, string? onlyScorer = null)
        {
            var sides = CandidateRunIds.Count + 1;
            var present = new bool[sides];
            var firstTrial = new EvalResult?[sides];
            var values = new Dictionary<string, List<double>?[]>(StringComparer.Ordinal);
            var rowDimensions = new List<string>();
            foreach (var trial in row.Results)
            {
                if (!sideOf.TryGetValue(trial.EvaluationRunId, out var side)) continue;
                present[side] = true;
                if (firstTrial[side] == null) firstTrial[side] = trial;
                foreach (var pair in trial.Scores) Collect(pair.Key, pair.Key, pair.Value, side, sides, values, rowDimensions, onlyScorer);
            }
            for (var c = 0; c < CandidateRunIds.Count; c++)
            {
                if (present[0] || present[c + 1]) rowsInEither[c]++;
                if (present[0] && present[c + 1]) rowsInBoth[c]++;
            }

            List<RowComparison>? described = describe ? new List<RowComparison>() : null;
            for (var c = 0; c < CandidateRunIds.Count; c++)
            {
                foreach (var scorer in rowDimensions)
                {
                    var perSide = values[scorer];
                    if (perSide[0] == null && perSide[c + 1] == null) continue;
                    var binary = valueTypes[scorer] == "binary";
                    var lowerIsBetter = rules.IsLowerBetter(scorer, scorerKeys[scorer]);
                    var baseline = perSide[0] == null ? null : rules.Aggregate(perSide[0]!, binary, lowerIsBetter);
                    var candidate = perSide[c + 1] == null ? null : rules.Aggregate(perSide[c + 1]!, binary, lowerIsBetter);
                    var (delta, change) = rules.Classify(baseline, candidate, lowerIsBetter);
                    if (!totals[c].TryGetValue(scorer, out var total)) totals[c][scorer] = total = new Totals();
                    total.Add(baseline, candidate, change);
                    described?.Add(new RowComparison
                    {
                        CandidateRunId = CandidateRunIds[c],
                        BaselineRunId = BaselineRunId,
                        RowDigest = row.RowDigest,
                        Scorer = scorer,
                        ValueType = valueTypes[scorer],
                        BaselineValue = baseline,
                        CandidateValue = candidate,
                        Delta = delta,
                        Change = change,
                        Inputs = (firstTrial[0] ?? firstTrial[c + 1])?.Inputs,
                        BaselineOutput = firstTrial[0]?.Output,
                        CandidateOutput = firstTrial[c + 1]?.Output,
                        Entity = entity,
                        Project = project,
                    });
                }
            }
            return described;
        }

        /// <summary>One comparison per candidate × dimension that either side had a value for: candidate order, then the order dimensions were first met.</summary>
        public List<ScoreComparison> Results()
        {
            var results = new List<ScoreComparison>();
            for (var c = 0; c < CandidateRunIds.Count; c++)
            {
                foreach (var scorer in dimensionOrder)
                {
                    if (!totals[c].TryGetValue(scorer, out var total)) continue;
                    var baseline = total.RowsCompared == 0 ? (double?)null : total.BaselineSum / total.RowsCompared;
                    var candidate = total.RowsCompared == 0 ? (double?)null : total.CandidateSum / total.RowsCompared;
                    results.Add(new ScoreComparison
                    {
                        CandidateRunId = CandidateRunIds[c],
                        BaselineRunId = BaselineRunId,
                        Scorer = scorer,
                        ValueType = valueTypes[scorer],
                        BaselineValue = baseline,
                        CandidateValue = candidate,
                        Delta = candidate - baseline,
                        RowsCompared = total.RowsCompared,
                        Regressed = total.Regressed,
                        Improved = total.Improved,
                        Unchanged = total.Unchanged,
                        OnlyInBaseline = total.OnlyInBaseline,
                        OnlyInCandidate = total.OnlyInCandidate,
                        LowerIsBetter = rules.IsLowerBetter(scorer, scorerKeys[scorer]),
                        TrialAggregation = rules.Aggregation,
                        BaselineModelName = ModelName(BaselineRunId),
                        CandidateModelName = ModelName(CandidateRunIds[c]),
                        Entity = entity,
                        Project = project,
                    });
                }
            }
            return results;
        }

        private string? ModelName(string runId) => ModelNames != null && ModelNames.TryGetValue(runId, out var name) ? name : null;

        /// <summary>
        /// The walk of one score, named as the server's summary names its dimensions: a dict recurses with a
        /// dotted path; true/false and numbers are values; text, lists and nulls are not compared. With
        /// <paramref name="onlyScorer"/>, the other dimensions are not collected.
        /// </summary>
        private void Collect(string scorerKey, string scorer, object? value, int side, int sides, Dictionary<string, List<double>?[]> values, List<string> rowDimensions, string? onlyScorer)
        {
            double number;
            string type;
            switch (value)
            {
                case JsonMap map:
                    foreach (var pair in map) Collect(scorerKey, scorer + "." + pair.Key, pair.Value, side, sides, values, rowDimensions, onlyScorer);
                    return;
                case bool passed:
                    number = passed ? 1 : 0;
                    type = "binary";
                    break;
                case long integer:
                    number = integer;
                    type = "continuous";
                    break;
                case double real when !double.IsNaN(real) && !double.IsInfinity(real):
                    number = real;
                    type = "continuous";
                    break;
                default:
                    return;
            }
            if (onlyScorer != null && !string.Equals(scorer, onlyScorer, StringComparison.Ordinal)) return;
            if (!valueTypes.ContainsKey(scorer)) valueTypes[scorer] = type;
            if (!scorerKeys.ContainsKey(scorer)) scorerKeys[scorer] = scorerKey;
            if (!values.TryGetValue(scorer, out var perSide))
            {
                values[scorer] = perSide = new List<double>?[sides];
                rowDimensions.Add(scorer);
                if (!seenDimensions.Contains(scorer))
                {
                    seenDimensions.Add(scorer);
                    dimensionOrder.Add(scorer);
                }
            }
            (perSide[side] ??= new List<double>()).Add(number);
        }

        private sealed class Totals
        {
            public long RowsCompared;
            public double BaselineSum;
            public double CandidateSum;
            public long Regressed;
            public long Improved;
            public long Unchanged;
            public long OnlyInBaseline;
            public long OnlyInCandidate;

            public void Add(double? baseline, double? candidate, string change)
            {
                switch (change)
                {
                    case ComparisonChange.OnlyInBaseline: OnlyInBaseline++; return;
                    case ComparisonChange.OnlyInCandidate: OnlyInCandidate++; return;
                    case ComparisonChange.Regressed: Regressed++; break;
                    case ComparisonChange.Improved: Improved++; break;
                    default: Unchanged++; break;
                }
                RowsCompared++;
                BaselineSum += baseline!.Value;
                CandidateSum += candidate!.Value;
            }
        }
    }
}
