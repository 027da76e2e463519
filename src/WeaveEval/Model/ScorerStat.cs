using System;

namespace WeaveEval
{
    /// <summary>Aggregated statistics of one score dimension of one evaluation run (long format).</summary>
    public sealed class ScorerStat
    {
        public string EvaluationRunId { get; set; } = string.Empty;

        /// <summary><c>&lt;scorer&gt;</c> or <c>&lt;scorer&gt;.&lt;path&gt;</c>: the same name as the <c>Score.*</c> column of Get-WeaveEvalResult.</summary>
        public string Scorer { get; set; } = string.Empty;

        public string ScorerKey { get; set; } = string.Empty;

        public string? Path { get; set; }

        /// <summary><c>binary</c>, <c>continuous</c> or <c>text</c>.</summary>
        public string? ValueType { get; set; }

        /// <summary>Pass rate for binary dimensions, mean for continuous ones, null for text.</summary>
        public double? Value { get; set; }

        public double? PassRate { get; set; }

        /// <summary>Trials whose value was true; null when the dimension has no true/false values (continuous, text).</summary>
        public long? PassTrueCount { get; set; }

        /// <summary>Trials with a true/false value; null when the dimension has none.</summary>
        public long? PassKnownCount { get; set; }

        public double? PassSignalCoverage { get; set; }

        public double? NumericMean { get; set; }

        /// <summary>Trials with a numeric value; null when the dimension has none (binary, text).</summary>
        public long? NumericCount { get; set; }

        /// <summary>Trials in which this dimension had a value.</summary>
        public long TrialCount { get; set; }

        /// <summary>All trials of the run in the summarised rows.</summary>
        public long EvaluationTrialCount { get; set; }

        public long RowCount { get; set; }

        public string? ModelRef { get; set; }

        public string? ModelName { get; set; }

        public string? EvaluationRef { get; set; }

        public string? EvaluationName { get; set; }

        public string? DisplayName { get; set; }

        public string? TraceId { get; set; }

        public DateTime? StartedAt { get; set; }

        public long? TotalTokens { get; set; }

        public double? TotalCost { get; set; }

        public string Entity { get; set; } = string.Empty;

        public string Project { get; set; } = string.Empty;

        public override string ToString() => $"{EvaluationRunId} {Scorer}";
    }
}
