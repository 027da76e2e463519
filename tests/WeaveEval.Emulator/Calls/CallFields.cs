using System;
using System.Collections.Generic;
using System.Linq;
using System.Text.Json;
using WeaveEval.Emulator.Routes;
using WeaveEval.Emulator.Store;

namespace WeaveEval.Emulator.Calls
{
    /// <summary>
    /// The field names of the calls query language and their values on one call.
    /// JSON columns are parsed on first use and kept for the rest of the evaluation of that call.
    /// </summary>
    internal sealed class CallFields
    {
        public static readonly string[] AllowedFields =
        {
            "attributes", "display_name", "ended_at", "exception", "id", "input_refs", "inputs", "op_name", "otel", "output",
            "output_refs", "parent_id", "started_at", "storage_size_bytes", "summary", "thread_id", "total_storage_size_bytes",
            "trace_id", "turn_id", "wb_run_id", "wb_run_step", "wb_run_step_end", "wb_user_id",
        };

        public static readonly string[] DynamicPrefixes =
        {
            "annotation_queue_items.", "attributes.", "feedback.", "inputs.", "output.", "summary.", "summary.weave.",
        };

        private readonly Dictionary<string, JsonDocument?> documents = new();

        public CallFields(CallRecord call)
        {
            Call = call;
        }

        public CallRecord Call { get; }

        /// <summary>Throws <see cref="CallsQueryException"/> (422 on current servers) for a name the server does not know.</summary>
        public static void Validate(string field)
        {
            if (AllowedFields.Contains(field)) return;
            if (DynamicPrefixes.Any(prefix => field.StartsWith(prefix, StringComparison.Ordinal) && field.Length > prefix.Length)) return;
            throw new CallsQueryException(422,
                $"Field {field} is not allowed. Allowed fields: {string.Join(", ", AllowedFields)}. Allowed dynamic prefixes: {string.Join(", ", DynamicPrefixes.Select(p => p + "*"))}.");
        }

        /// <summary>The field's value: null, string, double, bool, <see cref="DateTime"/>, or a <see cref="JsonElement"/> object/array.</summary>
        public object? Get(string field)
        {
            switch (field)
            {
                case "id": return Call.Id;
                case "project_id": return Call.ProjectId;
                case "op_name": return Call.OpName;
                case "display_name": return Call.DisplayName;
                case "trace_id": return Call.TraceId;
                case "parent_id": return Call.ParentId;
                case "thread_id": return Call.ThreadId;
                case "turn_id": return Call.TurnId;
                case "started_at": return Call.StartedAt;
                case "ended_at": return Call.EndedAt;
                case "exception": return Call.Exception;
                case "wb_user_id": return Call.WbUserId;
                case "wb_run_id": return Call.WbRunId;
                case "deleted_at": return Call.DeletedAt;
                case "attributes": return Element("attributes", Call.Attributes, Array.Empty<string>());
                case "inputs": return Element("inputs", Call.Inputs, Array.Empty<string>());
                case "output": return Element("output", Call.Output, Array.Empty<string>());
                case "summary": return Element("summary", Call.Summary, Array.Empty<string>());
                case "summary.weave.status": return CallDocuments.SummaryStatus(Document("summary", Call.Summary)?.RootElement, Call.EndedAt, Call.Exception);
                case "summary.weave.latency_ms": return Call.EndedAt is DateTime ended ? (double)CallDocuments.LatencyMilliseconds(Call.StartedAt, ended) : null;
                case "summary.weave.trace_name": return Call.OpShortName;
            }
            var dot = field.IndexOf('.');
            if (dot < 0) return null;
            var path = field.Substring(dot + 1).Split('.');
            return field.Substring(0, dot) switch
            {
                "inputs" => Element("inputs", Call.Inputs, path),
                "output" => Element("output", Call.Output, path),
                "attributes" => Element("attributes", Call.Attributes, path),
                "summary" => Element("summary", Call.Summary, path),
                _ => null,
            };
        }

        /// <summary>Every ref string found anywhere in a JSON column (how the server fills <c>input_refs</c>/<c>output_refs</c>).</summary>
        public static IEnumerable<string> RefsIn(byte[]? json)
        {
            if (json is null || !StoredJson.Mentions(json, "weave:///"u8)) yield break;
            foreach (var text in StringsIn(json))
            {
                if (text.StartsWith(Refs.Scheme, StringComparison.Ordinal)) yield return text;
            }
        }

        private static List<string> StringsIn(byte[] json)
        {
            var reader = new Utf8JsonReader(json);
            var strings = new List<string>();
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.String) strings.Add(reader.GetString()!);
            }
            return strings;
        }

        private object? Element(string column, byte[]? json, string[] path)
        {
            var document = Document(column, json);
            if (document is null) return null;
            return StoredJson.Find(document.RootElement, path) is { } element ? ToValue(element) : null;
        }

        private JsonDocument? Document(string column, byte[]? json)
        {
            if (json is null) return null;
            if (!documents.TryGetValue(column, out var document)) documents[column] = document = JsonDocument.Parse(json);
            return document;
        }

        public static object? ToValue(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.Number => element.GetDouble(),
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Object or JsonValueKind.Array => element,
            _ => null,
        };
    }

    /// <summary>A query the server rejects with <c>{"reason": …}</c>.</summary>
    internal sealed class CallsQueryException : Exception
    {
        public CallsQueryException(int status, string reason) : base(reason)
        {
            Status = status;
        }

        public int Status { get; }
    }
}
