using System;
using System.Text.Json.Nodes;

namespace WeaveEval.Emulator.Store
{
    /// <summary>
    /// One call (trace span) as the trace server stores it. JSON-valued columns are kept as compact
    /// UTF-8 bytes (not node trees) so that generated data sets of a million trials fit in memory;
    /// <see cref="Json"/> parses them on demand.
    /// </summary>
    public sealed class CallRecord
    {
        public required string Id { get; init; }

        /// <summary>External project id, <c>entity/project</c>.</summary>
        public required string ProjectId { get; init; }

        /// <summary>External op ref (<c>weave:///e/p/op/Name:digest</c>) or a plain op name.</summary>
        public required string OpName { get; init; }

        public string? DisplayName { get; set; }

        public required string TraceId { get; init; }

        public string? ParentId { get; init; }

        public string? ThreadId { get; init; }

        public string? TurnId { get; init; }

        public required DateTime StartedAt { get; init; }

        public DateTime? EndedAt { get; set; }

        public string? Exception { get; set; }

        /// <summary>Compact JSON object; never null (an empty object is <c>{}</c>).</summary>
        public byte[] Attributes { get; set; } = Json.EmptyObject;

        /// <summary>Compact JSON object; never null.</summary>
        public byte[] Inputs { get; set; } = Json.EmptyObject;

        /// <summary>Compact JSON of the output, or null when the call has no output.</summary>
        public byte[]? Output { get; set; }

        /// <summary>Stored summary as compact JSON object, or null (running calls). Never holds the derived <c>weave</c> block.</summary>
        public byte[]? Summary { get; set; }

        public string? WbUserId { get; init; }

        public string? WbRunId { get; init; }

        public DateTime? DeletedAt { get; set; }

        public JsonObject AttributesNode() => Json.ParseObject(Attributes);

        public JsonObject InputsNode() => Json.ParseObject(Inputs);

        public JsonNode? OutputNode() => Output is null ? null : JsonNode.Parse(Output);

        public JsonObject? SummaryNode() => Summary is null ? null : Json.ParseObject(Summary);

        /// <summary>The op's short name: <c>Evaluation.evaluate</c> for <c>weave:///e/p/op/Evaluation.evaluate:digest</c>.</summary>
        public string OpShortName => Refs.ShortName(OpName);
    }
}
