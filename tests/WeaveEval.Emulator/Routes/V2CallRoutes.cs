using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Routes
{
    /// <summary>
    /// <c>GET /v2/{entity}/{project}/predictions[/{id}]</c> and <c>…/scores[/{id}]</c>:
    /// the same two routes over v2-marked calls, differing only in the marker, the noun of the 404 and
    /// the document written per call.
    /// </summary>
    internal sealed class V2CallRoutes
    {
        public static readonly V2CallRoutes Predictions = new("prediction", "Prediction", CallDocuments.WritePrediction);

        public static readonly V2CallRoutes Scores = new("score", "Score", CallDocuments.WriteScore);

        private readonly string marker;
        private readonly string noun;
        private readonly Action<Utf8JsonWriter, CallRecord, EmulatorStore> write;

        private V2CallRoutes(string marker, string noun, Action<Utf8JsonWriter, CallRecord, EmulatorStore> write)
        {
            this.marker = marker;
            this.noun = noun;
            this.write = write;
        }

        public async Task ListAsync(HttpContext context, EmulatorStore store, string entity, string project)
        {
            var paging = await ListPaging.ReadAsync(context);
            if (paging is null) return;
            var calls = V2Calls.Marked(store, $"{entity}/{project}", marker, EvaluationRunFilter(context));
            var lines = JsonLinesWriter.Start(context);
            foreach (var call in paging.Apply(calls))
            {
                await lines.WriteLineAsync(writer => write(writer, call, store));
            }
            await lines.CompleteAsync();
        }

        public async Task ReadAsync(HttpContext context, EmulatorStore store, string entity, string project, string id)
        {
            var call = store.GetCall($"{entity}/{project}", id);
            if (call is null)
            {
                await Responses.ReasonAsync(context, 404, $"{noun} {id} not found");
                return;
            }
            await Responses.WriteJsonAsync(context, 200, Documents.Build(writer => write(writer, call, store)));
        }

        private static string? EvaluationRunFilter(HttpContext context) =>
            context.Request.Query.TryGetValue("evaluation_run_id", out var values) ? values[^1] : null;
    }

    /// <summary>Calls written by the v2 write API carry a string marker <c>attributes.weave.&lt;kind&gt; == "true"</c>.</summary>
    internal static class V2Calls
    {
        public static IEnumerable<CallRecord> Marked(EmulatorStore store, string projectId, string marker, string? evaluationRunId)
        {
            var fragment = System.Text.Encoding.UTF8.GetBytes($"\"{marker}\":\"true\"");
            return store.Calls(projectId)
                .Where(call => StoredJson.Mentions(call.Attributes, fragment)
                    && StoredJson.String(call.Attributes, "weave", marker) == "true"
                    && (evaluationRunId is null || StoredJson.String(call.Attributes, "weave", "evaluation_run_id") == evaluationRunId))
                .OrderBy(call => call.StartedAt)
                .ThenBy(call => call.Id, StringComparer.Ordinal);
        }
    }

    /// <summary><c>GET /v2/{entity}/{project}/scorers[/{object_id}/versions/{digest}]</c>.</summary>
    internal static class ScorerRoutes
    {
        public static async Task ListAsync(HttpContext context, EmulatorStore store, string entity, string project)
        {
            var paging = await ListPaging.ReadAsync(context);
            if (paging is null) return;
            var scorers = store.Objects($"{entity}/{project}")
                .Where(o => o.BaseObjectClass == "Scorer" && o.DeletedAt is null)
                .OrderBy(o => o.CreatedAt)
                .ThenBy(o => o.ObjectId, StringComparer.Ordinal)
                .ThenBy(o => o.VersionIndex);
            var lines = JsonLinesWriter.Start(context);
            foreach (var scorer in paging.Apply(scorers))
            {
                await lines.WriteLineAsync(writer => WriteScorer(writer, scorer));
            }
            await lines.CompleteAsync();
        }

        public static async Task ReadAsync(HttpContext context, EmulatorStore store, string entity, string project, string objectId, string version)
        {
            var found = store.ResolveObject($"{entity}/{project}", objectId, version);
            if (found is null)
            {
                await Responses.ReasonAsync(context, 404, $"Obj {objectId}:{version} not found");
                return;
            }
            if (found.DeletedAt is DateTime deletedAt)
            {
                await Responses.WriteJsonAsync(context, 404, new System.Text.Json.Nodes.JsonObject
                {
                    ["reason"] = $"Obj {objectId}:v{found.VersionIndex} was deleted at {PyJson.FormatIsoOffset(deletedAt)}",
                    ["deleted_at"] = PyJson.FormatTimestamp(deletedAt),
                });
                return;
            }
            if (StoredJson.Find(found.Value, "name") is { ValueKind: JsonValueKind.Null })
            {
                // The real response model rejects a null name.
                await Responses.ReasonAsync(context, 500, "Internal server error");
                return;
            }
            await Responses.WriteJsonAsync(context, 200, Documents.Build(writer => WriteScorer(writer, found)));
        }

        private static void WriteScorer(Utf8JsonWriter writer, ObjectVersion scorer)
        {
            writer.WriteStartObject();
            writer.WriteRawString("object_id", scorer.ObjectId);
            writer.WriteString("digest", scorer.Digest);
            writer.WriteNumber("version_index", scorer.VersionIndex);
            writer.WriteTimestamp("created_at", scorer.CreatedAt);
            writer.WriteRawString("name", StoredJson.String(scorer.Value, "name") ?? scorer.ObjectId);
            writer.WriteRawString("description", StoredJson.String(scorer.Value, "description"));
            writer.WriteRawString("score_op", StoredJson.String(scorer.Value, "score") ?? "");
            writer.WriteEndObject();
        }
    }
}
