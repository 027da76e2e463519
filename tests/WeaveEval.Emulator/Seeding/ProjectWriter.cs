using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json.Nodes;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Seeding
{
    /// <summary>
    /// Writes objects, datasets and calls into one project of the store the way the trace server
    /// stores them (external refs, content digests, compact JSON columns).
    /// </summary>
    public sealed class ProjectWriter
    {
        private readonly EmulatorStore store;

        public ProjectWriter(EmulatorStore store, string projectId, int seed)
        {
            this.store = store;
            ProjectId = projectId;
            Ids = new IdSource(seed);
        }

        public string ProjectId { get; }
        public IdSource Ids { get; }
        public EmulatorStore Store => store;

        /// <summary>An op ref with a synthetic but stable digest (real ones hash the op's source code).</summary>
        public string OpRef(string name, string version = "") => $"weave:///{ProjectId}/op/{name}:{WeaveDigest.OfText("op:" + name + version)}";

        /// <summary>Adds the next version of an object; digest = content digest of the value.</summary>
        public ObjectVersion AddObject(string objectId, JsonObject value, DateTime createdAt, string? baseObjectClass)
        {
            var version = new ObjectVersion
            {
                ProjectId = ProjectId,
                ObjectId = objectId,
                Digest = WeaveDigest.Of(value),
                VersionIndex = store.ObjectVersions(ProjectId, objectId).Count,
                CreatedAt = createdAt,
                BaseObjectClass = baseObjectClass,
                Value = Json.Bytes(value),
            };
            store.AddObject(version);
            return version;
        }

        /// <summary>Stores the rows as a table and a Dataset object over it; returns the dataset and each row's ref.</summary>
        public (ObjectVersion Dataset, IReadOnlyList<string> RowRefs) AddDataset(string name, IReadOnlyList<JsonObject> rows, DateTime createdAt) =>
            AddDataset(name, rows.Select(row => (WeaveDigest.Of(row), Json.Bytes(row))).ToList(), createdAt);

        /// <summary>Same, for rows whose digest and stored JSON the caller already has.</summary>
        public (ObjectVersion Dataset, IReadOnlyList<string> RowRefs) AddDataset(string name, IReadOnlyList<(string Digest, byte[] Json)> rows, DateTime createdAt)
        {
            foreach (var (digest, json) in rows) store.AddTableRow(ProjectId, digest, json);
            var dataset = AddObject(name, new JsonObject
            {
                ["_type"] = "Dataset",
                ["name"] = name,
                ["description"] = null,
                ["rows"] = $"weave:///{ProjectId}/table/{WeaveDigest.OfTable(rows.Select(r => r.Digest))}",
                ["_class_name"] = "Dataset",
                ["_bases"] = new JsonArray("Object", "BaseModel"),
            }, createdAt, "Dataset");
            var prefix = dataset.Ref + "/attr/rows/id/";
            return (dataset, rows.Select(r => prefix + r.Digest).ToList());
        }

        public CallRecord AddCall(
            string opName,
            DateTime startedAt,
            DateTime? endedAt,
            JsonNode attributes,
            JsonNode inputs,
            JsonNode? output,
            JsonNode? summary,
            CallRecord? parent = null,
            string? displayName = null,
            string? exception = null,
            string? wbUserId = null,
            string? traceId = null,
            string? id = null)
        {
            var callId = id ?? Ids.Next(startedAt);
            var call = new CallRecord
            {
                Id = callId,
                ProjectId = ProjectId,
                OpName = opName,
                DisplayName = displayName,
                TraceId = parent?.TraceId ?? traceId ?? callId,
                ParentId = parent?.Id,
                StartedAt = startedAt,
                EndedAt = endedAt,
                Exception = exception,
                Attributes = Json.Bytes(attributes),
                Inputs = Json.Bytes(inputs),
                Output = endedAt is null || output is null ? null : Json.Bytes(output),
                Summary = endedAt is null || summary is null ? null : Json.Bytes(summary),
                WbUserId = wbUserId,
            };
            store.AddCall(call);
            return call;
        }
    }
}
