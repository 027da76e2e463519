using System;
using System.IO;
using System.Text.Json;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Seeding
{
    /// <summary>
    /// Loads a scenario JSON file (format in the emulator README): <c>calls</c> shaped like CallSchema
    /// lines, <c>objects</c> and <c>table_rows</c>. Unknown keys are errors so that typos do not silently
    /// produce an empty project.
    /// </summary>
    public static class ScenarioFile
    {
        public static void Load(EmulatorStore store, string path)
        {
            var root = JsonNode.Parse(File.ReadAllText(path))?.AsObject() ?? throw new InvalidDataException($"{path}: not a JSON object");
            foreach (var property in root)
            {
                switch (property.Key)
                {
                    case "objects":
                        foreach (var obj in Items(property.Value, path, "objects")) store.AddObject(ReadObject(obj, store));
                        break;
                    case "table_rows":
                        foreach (var item in Items(property.Value, path, "table_rows"))
                        {
                            var row = item as JsonObject ?? throw new InvalidDataException($"{path}: a table row must be an object");
                            var value = row["row"] ?? throw new InvalidDataException($"{path}: a table row needs \"row\"");
                            store.AddTableRow(Required(row, "project_id"), (string?)row["digest"] ?? WeaveDigest.Of(value), Json.Bytes(value));
                        }
                        break;
                    case "calls":
                        foreach (var call in Items(property.Value, path, "calls")) store.AddCall(ReadCall(call));
                        break;
                    default:
                        throw new InvalidDataException($"{path}: unknown key '{property.Key}' (expected calls, objects, table_rows)");
                }
            }
        }

        private static JsonArray Items(JsonNode? node, string path, string key) =>
            node as JsonArray ?? throw new InvalidDataException($"{path}: '{key}' must be an array");

        private static CallRecord ReadCall(JsonNode? node)
        {
            var call = node?.AsObject() ?? throw new InvalidDataException("a call must be an object");
            var id = Required(call, "id");
            return new CallRecord
            {
                Id = id,
                ProjectId = Required(call, "project_id"),
                OpName = Required(call, "op_name"),
                DisplayName = (string?)call["display_name"],
                TraceId = (string?)call["trace_id"] ?? id,
                ParentId = (string?)call["parent_id"],
                ThreadId = (string?)call["thread_id"],
                TurnId = (string?)call["turn_id"],
                StartedAt = Time(Required(call, "started_at")),
                EndedAt = call["ended_at"] is JsonNode ended ? Time((string)ended!) : null,
                Exception = (string?)call["exception"],
                Attributes = call["attributes"] is JsonObject attributes ? Json.Bytes(attributes) : Json.EmptyObject,
                Inputs = call["inputs"] is JsonObject inputs ? Json.Bytes(inputs) : Json.EmptyObject,
                Output = call["output"] is JsonNode output ? Json.Bytes(output) : null,
                Summary = call["summary"] is JsonObject summary ? Json.Bytes(WithoutDerivedWeaveKeys(summary)) : null,
                WbUserId = (string?)call["wb_user_id"],
                WbRunId = (string?)call["wb_run_id"],
            };
        }

        private static ObjectVersion ReadObject(JsonNode? node, EmulatorStore store)
        {
            var obj = node?.AsObject() ?? throw new InvalidDataException("an object must be an object");
            var projectId = Required(obj, "project_id");
            var objectId = Required(obj, "object_id");
            var value = obj["val"] ?? throw new InvalidDataException($"object {objectId} needs \"val\"");
            return new ObjectVersion
            {
                ProjectId = projectId,
                ObjectId = objectId,
                Digest = (string?)obj["digest"] ?? WeaveDigest.Of(value),
                VersionIndex = (int?)obj["version_index"] ?? store.ObjectVersions(projectId, objectId).Count,
                CreatedAt = Time(Required(obj, "created_at")),
                BaseObjectClass = (string?)obj["base_object_class"],
                Value = Json.Bytes(value),
            };
        }

        /// <summary>A CallSchema line pasted from a real response carries the derived block; the store must not (it is recomputed on read).</summary>
        private static JsonObject WithoutDerivedWeaveKeys(JsonObject summary)
        {
            var copy = summary.DeepClone().AsObject();
            if (copy["weave"] is JsonObject weave)
            {
                foreach (var key in new[] { "status", "latency_ms", "display_name", "trace_name" }) weave.Remove(key);
                if (weave.Count == 0) copy.Remove("weave");
            }
            return copy;
        }

        private static string Required(JsonObject obj, string key) =>
            (string?)obj[key] ?? throw new InvalidDataException($"missing \"{key}\" in {obj.ToJsonString()}");

        private static DateTime Time(string iso) =>
            DateTime.Parse(iso, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AdjustToUniversal | System.Globalization.DateTimeStyles.AssumeUniversal);
    }
}
