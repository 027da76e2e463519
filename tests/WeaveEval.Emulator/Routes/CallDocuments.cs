using System;
using System.Text.Json;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Routes
{
    /// <summary>The documents the v2 routes build from calls and the derived summary they share with the calls query.</summary>
    internal static class CallDocuments
    {
        public const string PredictAndScoreOp = "Evaluation.predict_and_score";

        /// <summary>
        /// The call's stored summary plus the server-derived <c>weave</c> block, last, with keys: kept stored
        /// keys, <c>status</c>, <c>latency_ms</c> (ended only), <c>display_name</c> or <c>trace_name</c>.
        /// </summary>
        public static void WriteSummary(Utf8JsonWriter writer, byte[]? storedSummary, DateTime startedAt, DateTime? endedAt, string? exception, string? displayName, string opShortName)
        {
            writer.WriteStartObject();
            JsonElement? storedWeave = null;
            using var document = storedSummary is null ? null : JsonDocument.Parse(storedSummary);
            if (document is not null && document.RootElement.ValueKind == JsonValueKind.Object)
            {
                foreach (var property in document.RootElement.EnumerateObject())
                {
                    if (property.NameEquals("weave")) { storedWeave = property.Value; continue; }
                    writer.WritePropertyName(property.Name);
                    writer.WriteRawValue(property.Value.GetRawText(), skipInputValidation: true);
                }
            }

            writer.WriteStartObject("weave");
            if (storedWeave is { ValueKind: JsonValueKind.Object } kept)
            {
                foreach (var property in kept.EnumerateObject())
                {
                    if (property.NameEquals("status") || property.NameEquals("latency_ms") || property.NameEquals("display_name") || property.NameEquals("trace_name")) continue;
                    writer.WritePropertyName(property.Name);
                    writer.WriteRawValue(property.Value.GetRawText(), skipInputValidation: true);
                }
            }
            writer.WriteString("status", SummaryStatus(document?.RootElement, endedAt, exception));
            if (endedAt is DateTime ended) writer.WriteNumber("latency_ms", LatencyMilliseconds(startedAt, ended));
            if (displayName is not null) writer.WriteRawString("display_name", displayName);
            else writer.WriteRawString("trace_name", opShortName);
            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        public static void WriteSummary(Utf8JsonWriter writer, CallRecord call) =>
            WriteSummary(writer, call.Summary, call.StartedAt, call.EndedAt, call.Exception, call.DisplayName, call.OpShortName);

        /// <summary>Whole milliseconds, truncated.</summary>
        public static long LatencyMilliseconds(DateTime startedAt, DateTime endedAt) => (endedAt - startedAt).Ticks / TimeSpan.TicksPerMillisecond;

        /// <summary><c>summary.weave.status</c>: error, running, descendant_error or success.</summary>
        public static string SummaryStatus(JsonElement? storedSummary, DateTime? endedAt, string? exception)
        {
            if (!string.IsNullOrEmpty(exception)) return "error";
            if (endedAt is null) return "running";
            if (storedSummary is { } summary && StoredJson.Find(summary, new[] { "status_counts", "error" }) is { ValueKind: JsonValueKind.Number } errors
                && errors.TryGetDouble(out var errorCount) && errorCount > 0) return "descendant_error";
            return "success";
        }

        /// <summary><c>EvaluationRunReadRes</c>. The list form reads evaluation/model from attributes only and never fills <c>source_evaluation_run_id</c>.</summary>
        public static void WriteEvaluationRun(Utf8JsonWriter writer, CallRecord call, bool listForm)
        {
            using var attributes = JsonDocument.Parse(call.Attributes);
            using var inputs = JsonDocument.Parse(call.Inputs);
            var weave = StoredJson.Find(attributes.RootElement, new[] { "weave" });
            string? Attribute(string name) => weave is { ValueKind: JsonValueKind.Object } w && w.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
            string? Input(string name) => inputs.RootElement.ValueKind == JsonValueKind.Object && inputs.RootElement.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

            var evaluation = listForm ? Attribute("evaluation") : FirstNonEmpty(Attribute("evaluation"), Input("self"), Input("this"));
            var model = listForm ? Attribute("model") : FirstNonEmpty(Attribute("model"), Input("model"));

            writer.WriteStartObject();
            writer.WriteRawString("evaluation_run_id", call.Id);
            writer.WriteRawString("evaluation", evaluation ?? "");
            writer.WriteRawString("model", model ?? "");
            writer.WriteString("status", call.EndedAt is null ? "running" : call.Exception is null ? "completed" : "failed");
            writer.WriteTimestamp("started_at", call.StartedAt);
            writer.WriteTimestamp("finished_at", call.EndedAt);
            writer.WritePropertyName("summary");
            WriteSummary(writer, call);
            writer.WriteRawString("source_evaluation_run_id", listForm ? null : Attribute("source_evaluation_run_id"));
            writer.WriteEndObject();
        }

        /// <summary><c>PredictionReadRes</c>.</summary>
        public static void WritePrediction(Utf8JsonWriter writer, CallRecord call, EmulatorStore store)
        {
            var predictionInputs = StoredJson.Find(call.Inputs, "inputs");
            writer.WriteStartObject();
            writer.WriteRawString("prediction_id", call.Id);
            writer.WriteRawString("model", StoredJson.String(call.Attributes, "weave", "model") ?? "");
            writer.WritePropertyName("inputs");
            if (predictionInputs is { ValueKind: JsonValueKind.Object } given) writer.WriteRawValue(given.GetRawText(), skipInputValidation: true);
            else writer.WriteRawValue("{}"u8, skipInputValidation: true);
            writer.WriteRawJson("output", call.Output);
            writer.WriteRawString("evaluation_run_id", EvaluationRunOf(call, store));
            writer.WriteRawString("wb_user_id", call.WbUserId);
            writer.WriteEndObject();
        }

        /// <summary><c>ScoreReadRes</c>; a null output reads as <c>0.0</c>.</summary>
        public static void WriteScore(Utf8JsonWriter writer, CallRecord call, EmulatorStore store)
        {
            writer.WriteStartObject();
            writer.WriteRawString("score_id", call.Id);
            writer.WriteRawString("scorer", StoredJson.String(call.Attributes, "weave", "scorer") ?? "");
            var isNull = call.Output is null || call.Output.AsSpan().SequenceEqual("null"u8);
            writer.WriteRawJson("value", isNull ? "0.0"u8.ToArray() : call.Output);
            writer.WriteRawString("evaluation_run_id", EvaluationRunOf(call, store));
            writer.WriteRawString("wb_user_id", call.WbUserId);
            writer.WriteEndObject();
        }

        /// <summary><c>attributes.weave.evaluation_run_id</c>, else the grandparent through a predict_and_score parent.</summary>
        public static string? EvaluationRunOf(CallRecord call, EmulatorStore store)
        {
            var stored = StoredJson.String(call.Attributes, "weave", "evaluation_run_id");
            if (stored is not null) return stored;
            if (call.ParentId is null) return null;
            var parent = store.GetCall(call.ProjectId, call.ParentId);
            return parent is not null && parent.OpShortName == PredictAndScoreOp ? parent.ParentId : null;
        }

        private static string? FirstNonEmpty(params string?[] candidates) =>
            Array.Find(candidates, c => !string.IsNullOrEmpty(c));
    }
}
