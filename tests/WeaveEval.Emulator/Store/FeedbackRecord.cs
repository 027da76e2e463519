using System;

namespace WeaveEval.Emulator.Store
{
    /// <summary>One feedback item (<c>/feedback/create</c>), e.g. a score the SDK's <c>EvaluationLogger</c> attaches to a predict call.</summary>
    public sealed class FeedbackRecord
    {
        public required string Id { get; init; }

        public required string ProjectId { get; init; }

        /// <summary>The ref the feedback is about (<c>weave:///e/p/call/&lt;id&gt;</c>).</summary>
        public required string WeaveRef { get; init; }

        public required string FeedbackType { get; init; }

        /// <summary>Compact JSON object.</summary>
        public required byte[] Payload { get; init; }

        public string? Creator { get; init; }

        public string? AnnotationRef { get; init; }

        public string? RunnableRef { get; init; }

        public string? CallRef { get; init; }

        public string? TriggerRef { get; init; }

        public required DateTime CreatedAt { get; init; }
    }
}
