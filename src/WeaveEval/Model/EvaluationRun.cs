using System;

namespace WeaveEval
{
    /// <summary>One evaluation run (an <c>Evaluation.evaluate</c> root call), whichever way it was written.</summary>
    public sealed class EvaluationRun
    {
        public string EvaluationRunId { get; set; } = string.Empty;

        /// <summary><c>running</c>, <c>completed</c> or <c>failed</c> (the v2 API vocabulary).</summary>
        public string Status { get; set; } = string.Empty;

        public string? EvaluationName { get; set; }

        public string? ModelName { get; set; }

        /// <summary>The evaluation ref, whole (<c>weave:///…/object/&lt;name&gt;:&lt;digest&gt;</c>), or "" when unknown.</summary>
        public string Evaluation { get; set; } = string.Empty;

        /// <summary>The model ref, whole (object or op ref), or "" when unknown.</summary>
        public string Model { get; set; } = string.Empty;

        public string? DisplayName { get; set; }

        public DateTime? StartedAt { get; set; }

        public DateTime? FinishedAt { get; set; }

        public TimeSpan? Duration { get; set; }

        /// <summary>The run's summary as the server returns it (usage, status counts, derived <c>weave</c> block).</summary>
        public JsonMap? Summary { get; set; }

        /// <summary>For rescoring runs, the run that was rescored.</summary>
        public string? SourceEvaluationRunId { get; set; }

        /// <summary><c>Api</c> or <c>Sdk</c> (see <see cref="RunSource"/>).</summary>
        public string Source { get; set; } = RunSource.Sdk;

        /// <summary>The calls API status: <c>success</c>, <c>error</c>, <c>running</c> or <c>descendant_error</c>.</summary>
        public string? WeaveStatus { get; set; }

        public string? TraceId { get; set; }

        public string? ParentId { get; set; }

        public string? WbUserId { get; set; }

        public string Entity { get; set; } = string.Empty;

        public string Project { get; set; } = string.Empty;

        public override string ToString() => EvaluationRunId;
    }
}
