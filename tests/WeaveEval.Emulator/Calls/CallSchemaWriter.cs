using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using WeaveEval.Emulator.Routes;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.Calls
{
    /// <summary>
    /// One <c>CallSchema</c> line: every field in table order; columns not selected come
    /// back as defaults (<c>null</c>, <c>{}</c>), and <c>summary</c> is always an object holding at least
    /// the derived <c>weave</c> block computed from what was fetched.
    /// </summary>
    internal sealed class CallSchemaWriter
    {
        private static readonly string[] AlwaysFetched = { "id", "project_id", "trace_id", "op_name", "started_at" };
        private static readonly string[] FetchedWithSummary = { "ended_at", "exception", "display_name" };

        private readonly HashSet<string>? selected;
        private readonly string projectId;
        private readonly bool includeStorageSize;
        private readonly bool includeTotalStorageSize;
        private readonly EmulatorStore store;
        private readonly RefExpander? expander;
        private readonly bool includeFeedback;

        public CallSchemaWriter(CallsQueryRequest request, EmulatorStore store)
        {
            projectId = request.ProjectId;
            includeStorageSize = request.IncludeStorageSize;
            includeTotalStorageSize = request.IncludeTotalStorageSize;
            this.store = store;
            includeFeedback = request.IncludeFeedback;
            if (request.ExpandColumns.Count > 0 && request.ReturnExpandedColumnValues) expander = new RefExpander(store, request.ExpandColumns);
            if (request.Columns is not null)
            {
                selected = request.Columns.Concat(AlwaysFetched).ToHashSet();
                if (selected.Contains("summary")) selected.UnionWith(FetchedWithSummary);
            }
        }

        private bool Has(string column) => selected is null || selected.Contains(column);

        public void Write(Utf8JsonWriter writer, CallRecord call)
        {
            var endedAt = Has("ended_at") ? call.EndedAt : null;
            var exception = Has("exception") ? call.Exception : null;
            var displayName = Has("display_name") ? call.DisplayName : null;

            writer.WriteStartObject();
            writer.WriteRawString("id", call.Id);
            writer.WriteRawString("project_id", projectId);
            writer.WriteRawString("op_name", call.OpName);
            writer.WriteRawString("display_name", displayName);
            writer.WriteRawString("trace_id", call.TraceId);
            writer.WriteRawString("parent_id", Has("parent_id") ? call.ParentId : null);
            writer.WriteRawString("thread_id", Has("thread_id") ? call.ThreadId : null);
            writer.WriteRawString("turn_id", Has("turn_id") ? call.TurnId : null);
            writer.WriteTimestamp("started_at", call.StartedAt);
            writer.WriteRawJson("attributes", Has("attributes") ? Expanded("attributes", call.Attributes) : Json.EmptyObject);
            writer.WriteRawJson("inputs", Has("inputs") ? Expanded("inputs", call.Inputs) : Json.EmptyObject);
            writer.WriteTimestamp("ended_at", endedAt);
            writer.WriteRawString("exception", exception);
            writer.WriteRawJson("output", Has("output") ? Expanded("output", call.Output) : null);
            writer.WritePropertyName("summary");
            CallDocuments.WriteSummary(writer, SummaryToShow(call), call.StartedAt, endedAt, exception, displayName, call.OpShortName);
            writer.WriteRawString("wb_user_id", Has("wb_user_id") ? call.WbUserId : null);
            writer.WriteRawString("wb_run_id", Has("wb_run_id") ? call.WbRunId : null);
            writer.WriteNull("wb_run_step");
            writer.WriteNull("wb_run_step_end");
            writer.WriteNull("deleted_at");
            writer.WriteNull("expire_at");
            writer.WritePropertyName("storage_size_bytes");
            if (includeStorageSize) writer.WriteNumberValue(StorageSize(call));
            else writer.WriteNullValue();
            writer.WritePropertyName("total_storage_size_bytes");
            if (includeTotalStorageSize && call.ParentId is null) writer.WriteNumberValue(TraceStorageSize(call));
            else writer.WriteNullValue();
            writer.WriteEndObject();
        }

        private byte[]? Expanded(string column, byte[]? json) => expander is null || json is null ? json : expander.Expand(column, json);

        /// <summary>The stored summary, with the call's feedback (<c>summary.weave.feedback</c>) when asked for.</summary>
        private byte[]? SummaryToShow(CallRecord call)
        {
            var stored = Has("summary") ? call.Summary : null;
            if (!includeFeedback) return stored;
            var summary = stored is null ? new System.Text.Json.Nodes.JsonObject() : Json.ParseObject(stored);
            if (summary["weave"] is not System.Text.Json.Nodes.JsonObject weave) summary["weave"] = weave = new System.Text.Json.Nodes.JsonObject();
            var feedback = new System.Text.Json.Nodes.JsonArray();
            foreach (var item in store.FeedbackFor(call.ProjectId, $"{Refs.Scheme}{call.ProjectId}/call/{call.Id}"))
            {
                feedback.Add(new System.Text.Json.Nodes.JsonObject
                {
                    ["id"] = item.Id,
                    ["project_id"] = item.ProjectId,
                    ["weave_ref"] = item.WeaveRef,
                    ["wb_user_id"] = null,
                    ["creator"] = item.Creator,
                    ["created_at"] = PyJson.FormatTimestamp(item.CreatedAt),
                    ["feedback_type"] = item.FeedbackType,
                    ["payload"] = System.Text.Json.Nodes.JsonNode.Parse(item.Payload),
                    ["annotation_ref"] = item.AnnotationRef,
                    ["runnable_ref"] = item.RunnableRef,
                    ["call_ref"] = item.CallRef,
                    ["trigger_ref"] = item.TriggerRef,
                });
            }
            weave["feedback"] = feedback;
            return Json.Bytes(summary);
        }

        public static long StorageSize(CallRecord call) =>
            call.Attributes.Length + call.Inputs.Length + (call.Output?.Length ?? 0) + (call.Summary?.Length ?? 0);

        private long TraceStorageSize(CallRecord root) =>
            store.Calls(root.ProjectId).Where(c => c.TraceId == root.TraceId).Sum(StorageSize);
    }
}
