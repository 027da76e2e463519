using System.Collections.Generic;
using System.Text.Json.Nodes;

namespace WeaveEval.Emulator.Faults
{
    /// <summary>
    /// Which requests a fault applies to and how often. JSON form (admin route):
    /// <c>{"method":"POST","path":"^/calls/stream_query$","times":2,"action":{…}}</c>.
    /// </summary>
    public sealed class FaultRule
    {
        /// <summary>HTTP method to match (case-insensitive); null matches every method.</summary>
        public string? Method { get; set; }

        /// <summary>Regular expression searched in the request path (no query string).</summary>
        public string Path { get; set; } = ".*";

        /// <summary>Regular expression searched in the request body as text; null matches every body. Picks one
        /// request among several to one route (one run's page among the requests that go out together).</summary>
        public string? Body { get; set; }

        /// <summary>How many matching requests this rule affects before real responses resume.</summary>
        public int Times { get; set; } = 1;

        public FaultAction Action { get; set; } = new();
    }

    /// <summary>
    /// What happens to a faulted request. Fields combine: <see cref="DelayMs"/> runs first; then either
    /// a replacement response (<see cref="Status"/> or <see cref="NotJson"/>) or the real response,
    /// damaged by the stream options.
    /// </summary>
    public sealed class FaultAction
    {
        /// <summary>Answer with this status instead of the real response.</summary>
        public int? Status { get; set; }

        /// <summary>Body for <see cref="Status"/>: a JSON string is sent as raw text, anything else as JSON. Default: <c>{"reason": …}</c> as the server would say it.</summary>
        public JsonNode? Body { get; set; }

        /// <summary>Extra response headers, e.g. <c>Retry-After</c> or <c>retry-after-ms</c>.</summary>
        public Dictionary<string, string>? Headers { get; set; }

        public int? DelayMs { get; set; }

        /// <summary>Send this many bytes of the real response, then abort the connection.</summary>
        public long? DropAfterBytes { get; set; }

        /// <summary>JSON Lines: send this many complete lines of the real response, then abort the connection.</summary>
        public int? TruncateLines { get; set; }

        /// <summary>JSON Lines: replace line number N (1-based) of the real response by invalid JSON.</summary>
        public int? MalformedLineAt { get; set; }

        /// <summary>Answer 200 with an HTML page (what a proxy or login portal would send).</summary>
        public bool NotJson { get; set; }

        /// <summary>Send the real response at about this rate.</summary>
        public int? TrickleBytesPerSecond { get; set; }

        internal bool DamagesStream => DropAfterBytes is not null || TruncateLines is not null || MalformedLineAt is not null || TrickleBytesPerSecond is not null;
    }
}
