namespace WeaveEval
{
    /// <summary>One dataset row × score dimension of a candidate run against the baseline run.</summary>
    public sealed class RowComparison
    {
        public string CandidateRunId { get; set; } = string.Empty;

        public string BaselineRunId { get; set; } = string.Empty;

        public string RowDigest { get; set; } = string.Empty;

        /// <summary><c>&lt;scorer&gt;</c> or <c>&lt;scorer&gt;.&lt;path&gt;</c>, as Get-WeaveEvalSummary names it.</summary>
        public string Scorer { get; set; } = string.Empty;

        /// <summary><c>binary</c> or <c>continuous</c>.</summary>
        public string ValueType { get; set; } = string.Empty;

        /// <summary>The baseline's trials of the row made into one value (-TrialAggregation); null when the baseline has none.</summary>
        public double? BaselineValue { get; set; }

        public double? CandidateValue { get; set; }

        /// <summary><see cref="CandidateValue"/> − <see cref="BaselineValue"/>; null unless both sides have a value.</summary>
        public double? Delta { get; set; }

        /// <summary><c>Regressed</c>, <c>Improved</c>, <c>Unchanged</c>, <c>OnlyInBaseline</c> or <c>OnlyInCandidate</c>.</summary>
        public string Change { get; set; } = string.Empty;

        /// <summary>The dataset row (resolved), or the inline example.</summary>
        public JsonMap? Inputs { get; set; }

        /// <summary>The model output of the baseline's first trial of the row.</summary>
        public object? BaselineOutput { get; set; }

        /// <summary>The model output of the candidate's first trial of the row.</summary>
        public object? CandidateOutput { get; set; }

        public string Entity { get; set; } = string.Empty;

        public string Project { get; set; } = string.Empty;

        public override string ToString() => $"{RowDigest} {Scorer} {Change}";
    }
}
