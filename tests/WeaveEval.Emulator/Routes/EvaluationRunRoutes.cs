using System;
using System.Linq;
using System.Text.Json;
using System.Threading.Tasks;
using Microsoft.AspNetCore.Http;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Routes
{
    /// <summary><c>GET /v2/{entity}/{project}/evaluation_runs[/{id}]</c>.</summary>
    internal static class EvaluationRunRoutes
    {
        private const string EvaluateOp = "Evaluation.evaluate";

        public static async Task ListAsync(HttpContext context, EmulatorStore store, string entity, string project)
        {
            var paging = await ListPaging.ReadAsync(context);
            if (paging is null) return;
            var evaluations = ListPaging.ReadList(context, "evaluations");
            var models = ListPaging.ReadList(context, "models");
            var ids = ListPaging.ReadList(context, "evaluation_run_ids");

            var projectId = $"{entity}/{project}";
            // The v2 write API names its runs' op Evaluation.evaluate, so only those ops can hold API runs.
            var runs = store.OpNames(projectId)
                .Where(op => Refs.ShortName(op) == EvaluateOp)
                .SelectMany(op => store.CallsOfOp(projectId, op))
                .Where(IsApiRun)
                .Select(call => (Call: call, Evaluation: StoredJson.String(call.Attributes, "weave", "evaluation"), Model: StoredJson.String(call.Attributes, "weave", "model")))
                .Where(run => (evaluations is null || (run.Evaluation is not null && evaluations.Contains(run.Evaluation)))
                    && (models is null || (run.Model is not null && models.Contains(run.Model)))
                    && (ids is null || ids.Contains(run.Call.Id)))
                .Select(run => run.Call)
                .OrderBy(call => call.StartedAt)
                .ThenBy(call => call.Id, StringComparer.Ordinal);

            var lines = JsonLinesWriter.Start(context);
            foreach (var run in paging.Apply(runs))
            {
                await lines.WriteLineAsync(writer => CallDocuments.WriteEvaluationRun(writer, run, listForm: true));
            }
            await lines.CompleteAsync();
        }

        public static async Task ReadAsync(HttpContext context, EmulatorStore store, string entity, string project, string id)
        {
            var call = store.GetCall($"{entity}/{project}", id);
            if (call is null)
            {
                await Responses.ReasonAsync(context, 404, $"Evaluation run {id} not found");
                return;
            }
            await Responses.WriteJsonAsync(context, 200, Documents.Build(writer => CallDocuments.WriteEvaluationRun(writer, call, listForm: false)));
        }

        /// <summary>Runs created through the v2 API (or by rescoring): <c>attributes.weave.evaluation_run == "true"</c>.</summary>
        private static bool IsApiRun(CallRecord call) =>
            StoredJson.Mentions(call.Attributes, "\"evaluation_run\""u8)
            && StoredJson.Find(call.Attributes, "weave", "evaluation_run") is { ValueKind: JsonValueKind.String } marker
            && marker.GetString() == "true";
    }
}
