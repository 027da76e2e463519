namespace WeaveEval
{
    /// <summary>
    /// One trial: a dataset row × evaluation run × trial index. The cmdlet adds flat
    /// <c>Input.&lt;name&gt;</c> and <c>Score.&lt;scorer&gt;[.&lt;path&gt;]</c> columns for export.
    /// </summary>
    public sealed class EvalResult
    {
        public string EvaluationRunId { get; set; } = string.Empty;

        /// <summary>The run's model (short name), so that results of several runs can be told apart without a join.</summary>
        public string? ModelName { get; set; }

        /// <summary>The run's evaluation (short name).</summary>
        public string? EvaluationName { get; set; }

        /// <summary>The run's display name.</summary>
        public string? DisplayName { get; set; }

        public string RowDigest { get; set; } = string.Empty;

        public int TrialIndex { get; set; }

        public string PredictAndScoreCallId { get; set; } = string.Empty;

        /// <summary>The predict call id (null when the server found none); binds to Get-WeavePrediction.</summary>
        public string? PredictionId { get; set; }

        /// <summary>The dataset row (resolved), the inline example, or null when inputs were not requested or could not be resolved.</summary>
        public JsonMap? Inputs { get; set; }

        /// <summary>The dataset-row ref when the row was not resolved.</summary>
        public string? DatasetRowRef { get; set; }

        public object? Output { get; set; }

        private JsonMap? scores;

        /// <summary>The scores by scorer (an empty map when the trial has none; made only when asked for, as the parse sets it).</summary>
        public JsonMap Scores
        {
            get => scores ??= new JsonMap();
            set => scores = value;
        }

        public double? ModelLatencySeconds { get; set; }

        public long? TotalTokens { get; set; }

        public double? TotalCost { get; set; }

        public JsonMap? ScorerCallIds { get; set; }

        public string Entity { get; set; } = string.Empty;

        public string Project { get; set; } = string.Empty;

        public override string ToString() => PredictAndScoreCallId;
    }
}
