namespace WeaveEval
{
    /// <summary>
    /// One score dimension of one candidate run against the baseline run, over the rows both evaluated:
    /// the aggregate of each side, the difference and how many rows changed which way.
    /// </summary>
    public sealed class ScoreComparison
    {
        public string CandidateRunId { get; set; } = string.Empty;

        public string BaselineRunId { get; set; } = string.Empty;

        /// <summary><c>&lt;scorer&gt;</c> or <c>&lt;scorer&gt;.&lt;path&gt;</c>, as Get-WeaveEvalSummary names it.</summary>
        public string Scorer { get; set; } = string.Empty;

        /// <summary><c>binary</c> or <c>continuous</c>.</summary>
        public string ValueType { get; set; } = string.Empty;

        /// <summary>The baseline's mean over the compared rows of each row's aggregated trials (a pass rate for binary scores); null when no row was compared.</summary>
        public double? BaselineValue { get; set; }

        /// <summary>The candidate's value, computed the same way over the same rows.</summary>
        public double? CandidateValue { get; set; }

        /// <summary><see cref="CandidateValue"/> − <see cref="BaselineValue"/>.</summary>
        public double? Delta { get; set; }

        /// <summary>Rows with a value of this dimension on both sides.</summary>
        public long RowsCompared { get; set; }

        public long Regressed { get; set; }

        public long Improved { get; set; }

        public long Unchanged { get; set; }

        /// <summary>Rows with a value of this dimension in the baseline only.</summary>
        public long OnlyInBaseline { get; set; }

        /// <summary>Rows with a value of this dimension in the candidate only.</summary>
        public long OnlyInCandidate { get; set; }

        /// <summary>Smaller values win for this dimension (named with -LowerIsBetter).</summary>
        public bool LowerIsBetter { get; set; }

        /// <summary>How several trials of a row were made into one value.</summary>
        public TrialAggregation TrialAggregation { get; set; }

        public string? BaselineModelName { get; set; }

        public string? CandidateModelName { get; set; }

        public string Entity { get; set; } = string.Empty;

        public string Project { get; set; } = string.Empty;

        public override string ToString() => $"{CandidateRunId} {Scorer}";
    }
}
