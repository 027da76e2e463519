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
    /// <summary><c>GET /v2/{entity}/{project}/predictions[/{id}]</c> (API.md §5).</summary>
    internal static class PredictionRoutes
    {
        public static async Task ListAsync(HttpContext context, EmulatorStore store, string entity, string project)
        {
            var paging = await ListPaging.ReadAsync(context);
            if (paging is null) return;
            var predictions = V2Calls.Marked(store, $"{entity}/{project}", "prediction", EvaluationRunFilter(context));
            var lines = JsonLinesWriter.Start(context);
            foreach (var call in paging.Apply(predictions))
            {
                await lines.WriteLineAsync(writer => CallDocuments.WritePrediction(writer, call, store));
            }
            await lines.CompleteAsync();
        }

        public static async Task ReadAsync(HttpContext context, EmulatorStore store, string entity, string project, string id)
        {
            var call = store.GetCall($"{entity}/{project}", id);
            if (call is null)
            {
                await Responses.ReasonAsync(context, 404, $"Prediction {id} not found");
                return;
            }
            await Responses.WriteJsonAsync(context, 200, Documents.Build(writer => CallDocuments.WritePrediction(writer, call, store)));
        }

        internal static string? EvaluationRunFilter(HttpContext context) =>
            context.Request.Query.TryGetValue("evaluation_run_id", out var values) ? values[^1] : null;
    }

    /// <summary><c>GET /v2/{entity}/{project}/scores[/{id}]</c> (API.md §7).</summary>
    internal static class ScoreRoutes
    {
        public static async Task ListAsync(HttpContext context, EmulatorStore store, string entity, string project)
        {
            var paging = await ListPaging.ReadAsync(context);
            if (paging is null) return;
            var scores = V2Calls.Marked(store, $"{entity}/{project}", "score", PredictionRoutes.EvaluationRunFilter(context));
            var lines = JsonLinesWriter.Start(context);
            foreach (var call in paging.Apply(scores))
            {
                await lines.WriteLineAsync(writer => CallDocuments.WriteScore(writer, call, store));
            }
            await lines.CompleteAsync();
        }

        public static async Task ReadAsync(HttpContext context, EmulatorStore store, string entity, string project, string id)
        {
            var call = store.GetCall($"{entity}/{project}", id);
            if (call is null)
            {
                await Responses.ReasonAsync(context, 404, $"Score {id} not found");
                return;
            }
            await Responses.WriteJsonAsync(context, 200, Documents.Build(writer => CallDocuments.WriteScore(writer, call, store)));
        }
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

    /// <summary><c>GET /v2/{entity}/{project}/scorers[/{object_id}/versions/{digest}]</c> (API.md §6).</summary>
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
                // The real response model rejects a null name (API.md §6.1).
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
