using System;
using System.Globalization;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Seeding
{
    /// <summary>Small builders shared by the support-bot seed: refs, UUIDv7 times and call records.</summary>
    internal static class SupportBotCalls
    {
        public const string Project = "acme-ai/support-bot";
        public const string UserId = "VXNlcjo0MjQyNDI=";

        public static string ObjectRef(string name, string digest) => $"weave:///{Project}/object/{name}:{digest}";

        public static string OpRef(string name, string digest) => $"weave:///{Project}/op/{name}:{digest}";

        /// <summary>Op ref with a synthetic but well-formed digest (the examples never show these ops' digests).</summary>
        public static string OpRef(string name) => OpRef(name, WeaveDigest.OfText("support-bot op " + name));

        /// <summary>The millisecond timestamp in the first 48 bits of a UUIDv7.</summary>
        public static DateTime TimeOf(string uuidV7)
        {
            var milliseconds = long.Parse(uuidV7.Replace("-", "").AsSpan(0, 12), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            return DateTime.UnixEpoch.AddMilliseconds(milliseconds);
        }

        public static DateTime Utc(string iso) =>
            DateTime.Parse(iso, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);

        public static byte[] Bytes(JsonNode? node) => PyJson.Serialize(node);

        public static JsonObject Usage(string model, int promptTokens, int completionTokens) => new()
        {
            ["usage"] = new JsonObject
            {
                [model] = new JsonObject
                {
                    ["requests"] = 1,
                    ["prompt_tokens"] = promptTokens,
                    ["completion_tokens"] = completionTokens,
                    ["total_tokens"] = promptTokens + completionTokens,
                },
            },
        };

        public static CallRecord Call(
            string id,
            string opName,
            string traceId,
            string? parentId,
            DateTime startedAt,
            DateTime? endedAt,
            JsonObject attributes,
            JsonObject inputs,
            JsonNode? output,
            JsonObject? summary,
            string? wbUserId,
            string? displayName = null) => new()
            {
                Id = id,
                ProjectId = Project,
                OpName = opName,
                DisplayName = displayName,
                TraceId = traceId,
                ParentId = parentId,
                StartedAt = startedAt,
                EndedAt = endedAt,
                Attributes = Bytes(attributes),
                Inputs = Bytes(inputs),
                Output = output is null ? null : Bytes(output),
                Summary = summary is null ? null : Bytes(summary),
                WbUserId = wbUserId,
            };
    }
}
