using System;
using System.Collections.Generic;
using System.Linq;

namespace WeaveEval.Client
{
    /// <summary>What counts as a change: how trials become one value, the tolerance, and the scorers where smaller wins.</summary>
    public sealed class ComparisonRules
    {
        private readonly HashSet<string> lowerIsBetter;

        public ComparisonRules(TrialAggregation aggregation = TrialAggregation.Mean, double tolerance = 0, IEnumerable<string>? lowerIsBetter = null)
        {
            if (double.IsNaN(tolerance) || tolerance < 0) throw new ArgumentOutOfRangeException(nameof(tolerance), "The tolerance must be 0 or more.");
            Aggregation = aggregation;
            Tolerance = tolerance;
            this.lowerIsBetter = new HashSet<string>(lowerIsBetter?.Where(s => !string.IsNullOrEmpty(s)) ?? Enumerable.Empty<string>(), StringComparer.OrdinalIgnoreCase);
        }

        public TrialAggregation Aggregation { get; }

        public double Tolerance { get; }

        /// <summary>
        /// True when smaller values of the dimension win: it, or the scorer it belongs to, was named — so
        /// <c>-LowerIsBetter latency</c> covers <c>latency.p50</c> too. The scorer is the key the scores
        /// have it under, which may itself hold dots (<c>v1.judge</c> of <c>v1.judge.latency</c>).
        /// </summary>
        public bool IsLowerBetter(string dimension, string scorerKey) =>
            lowerIsBetter.Contains(dimension) || lowerIsBetter.Contains(scorerKey);

        /// <summary>
        /// One value from the trials of one row (in trial order): see <see cref="TrialAggregation"/>. Binary
        /// values are 1 and 0. Null when there are none.
        /// </summary>
        public double? Aggregate(IReadOnlyList<double> values, bool binary, bool lowerIsBetter)
        {
            if (values.Count == 0) return null;
            switch (Aggregation)
            {
                case TrialAggregation.First:
                    return values[0];
                case TrialAggregation.Majority:
                    if (binary) return values.Count(v => v >= 0.5) * 2 > values.Count ? 1.0 : 0.0;
                    return Median(values);
                case TrialAggregation.AnyPass:
                    return binary || !lowerIsBetter ? values.Max() : values.Min();
                case TrialAggregation.AllPass:
                    return binary || !lowerIsBetter ? values.Min() : values.Max();
                default:
                    return values.Sum() / values.Count;
            }
        }

        /// <summary>The change from <paramref name="baseline"/> to <paramref name="candidate"/>, and the difference when both exist.</summary>
        public (double? Delta, string Change) Classify(double? baseline, double? candidate, bool lowerIsBetter)
        {
            if (!candidate.HasValue) return (null, ComparisonChange.OnlyInBaseline);
            if (!baseline.HasValue) return (null, ComparisonChange.OnlyInCandidate);
            var delta = candidate.Value - baseline.Value;
            var gain = lowerIsBetter ? -delta : delta;
            if (gain < -Tolerance) return (delta, ComparisonChange.Regressed);
            if (gain > Tolerance) return (delta, ComparisonChange.Improved);
            return (delta, ComparisonChange.Unchanged);
        }

        private static double Median(IReadOnlyList<double> values)
        {
            var sorted = values.OrderBy(v => v).ToList();
            var middle = sorted.Count / 2;
            return sorted.Count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
        }
    }

    /// <summary>The values of <see cref="RowComparison.Change"/>.</summary>
    public static class ComparisonChange
    {
        public const string Regressed = "Regressed";
        public const string Improved = "Improved";
        public const string Unchanged = "Unchanged";
        public const string OnlyInBaseline = "OnlyInBaseline";
        public const string OnlyInCandidate = "OnlyInCandidate";
    }
}
