using System;

namespace WeaveEval.Emulator.Store
{
    /// <summary>The second half of a written call (<c>/call/end</c>, or an <c>end</c> item of <c>/call/upsert_batch</c>).</summary>
    public sealed class CallEnd
    {
        public required DateTime EndedAt { get; init; }

        /// <summary>Compact JSON of the output, or null for a JSON null or a missing output.</summary>
        public byte[]? Output { get; init; }

        /// <summary>Compact JSON object as the client sent it (the derived <c>weave</c> block is computed on read).</summary>
        public required byte[] Summary { get; init; }

        public string? Exception { get; init; }

        /// <summary>A display name given at the end; null keeps the one of the start.</summary>
        public string? DisplayName { get; init; }

        internal void ApplyTo(CallRecord call)
        {
            call.EndedAt = EndedAt;
            call.Output = Output;
            call.Summary = Summary;
            call.Exception = Exception;
            if (DisplayName is not null) call.DisplayName = DisplayName;
        }
    }
}
