using System;
using System.Collections.Generic;

namespace WeaveEval.Emulator.Hosting
{
    /// <summary>One request as the emulator saw it. Headers are not kept, so the Authorization header never is.</summary>
    public sealed class RecordedRequest
    {
        public required string Method { get; init; }
        public required string Path { get; init; }

        /// <summary>Raw query string including the leading <c>?</c>, or empty.</summary>
        public required string Query { get; init; }

        public required int Status { get; init; }
        public required DateTime StartedAt { get; init; }

        /// <summary>Length of the request body in bytes.</summary>
        public required long BodyLength { get; init; }

        /// <summary>The request body as UTF-8 text (empty when there was none), so tests can check what a client sent.</summary>
        public required string Body { get; init; }
    }

    /// <summary>Thread-safe log of the API requests served (admin routes excluded).</summary>
    public sealed class RequestLog
    {
        private readonly object gate = new();
        private readonly List<RecordedRequest> entries = new();

        public IReadOnlyList<RecordedRequest> Entries
        {
            get { lock (gate) return entries.ToArray(); }
        }

        public void Clear()
        {
            lock (gate) entries.Clear();
        }

        internal void Add(RecordedRequest entry)
        {
            lock (gate) entries.Add(entry);
        }
    }
}
