using System;

namespace WeaveEval.Emulator.Store
{
    /// <summary>One version of a stored object (dataset, evaluation, model, scorer …).</summary>
    public sealed class ObjectVersion
    {
        public required string ProjectId { get; init; }

        public required string ObjectId { get; init; }

        /// <summary>43-character content digest.</summary>
        public required string Digest { get; init; }

        public required int VersionIndex { get; init; }

        public required DateTime CreatedAt { get; init; }

        /// <summary>Base class as the SDK records it (<c>Dataset</c>, <c>Evaluation</c>, <c>Model</c>, <c>Scorer</c>), or null.</summary>
        public string? BaseObjectClass { get; init; }

        /// <summary>The object's value as compact JSON.</summary>
        public required byte[] Value { get; init; }

        public DateTime? DeletedAt { get; set; }

        public string Ref => $"weave:///{ProjectId}/object/{ObjectId}:{Digest}";
    }
}
