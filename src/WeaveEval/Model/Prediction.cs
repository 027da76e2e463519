namespace WeaveEval
{
    /// <summary>One model prediction (a predict call).</summary>
    public sealed class Prediction
    {
        public string PredictionId { get; set; } = string.Empty;

        public string? EvaluationRunId { get; set; }

        /// <summary>The model ref given when the prediction was written through the v2 API; "" for SDK predict calls.</summary>
        public string Model { get; set; } = string.Empty;

        public string? ModelName { get; set; }

        public JsonMap Inputs { get; set; } = new JsonMap();

        public object? Output { get; set; }

        public string? WbUserId { get; set; }

        public string Entity { get; set; } = string.Empty;

        public string Project { get; set; } = string.Empty;

        public override string ToString() => PredictionId;
    }
}
