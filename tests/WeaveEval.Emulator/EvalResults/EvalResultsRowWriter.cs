using System;
using System.Buffers;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Threading;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.EvalResults
{
    /// <summary>
    /// Writes the rows of one page, deriving each trial from its
    /// calls only when the row is written. Stored JSON values (model output, scores, examples) are copied
    /// byte for byte, as the server returns what was stored.
    /// </summary>
    internal sealed class EvalResultsRowWriter
    {
        public const string ResolveWarning = "Failed to resolve dataset row refs; raw_data_row may contain refs";
        private static readonly byte[] GenAiSpanWord = Encoding.UTF8.GetBytes("\"genai_span_ref\"");

        private readonly EmulatorStore store;
        private readonly EvalResultsIndex index;
        private readonly EvalResultsRequest request;
        private bool resolveRefs;
        private byte[]?[]? rowTexts;

        public EvalResultsRowWriter(EmulatorStore store, EvalResultsIndex index, EvalResultsRequest request)
        {
            this.store = store;
            this.index = index;
            this.request = request;
        }

        /// <summary>
        /// Checks the dataset-row refs of the page as one batch: when any of them is malformed or names a
        /// dataset object that is missing or deleted, no row is resolved and the warning text is returned.
        /// </summary>
        public string? PrepareRefResolution(IEnumerable<int> page)
        {
            var checkedDatasets = new Dictionary<string, bool>(StringComparer.Ordinal);
            var refs = index.RowRefs;
            foreach (var position in page)
            {
                // Parsed once per row and index (the index is rebuilt when the store changes): the same reason
                // as the row texts, this work is the server's, not the client's cores'.
                var facts = Volatile.Read(ref refs[position]);
                if (facts is null) Volatile.Write(ref refs[position], facts = RowRefFacts.Of(RowRefOf(RawExample(index.Rows[position]))));
                if (facts.Malformed) return ResolveWarning;
                if (facts.DatasetName is null) continue;
                if (!checkedDatasets.TryGetValue(facts.DatasetKey!, out var exists))
                {
                    checkedDatasets[facts.DatasetKey!] = exists = store.ResolveObject(facts.ProjectId!, facts.DatasetName, facts.DatasetVersion!) is { DeletedAt: null };
                }
                if (!exists) return ResolveWarning;
            }
            resolveRefs = true;
            return null;
        }

        /// <summary>
        /// Writes the row at <paramref name="position"/>. Its text is derived from its calls once per shape of
        /// request and then copied: the server's work per page is charged as time by the remote profile (see
        /// <see cref="EvalResultsRoute"/>), and redoing it here would take the cores of the client under test.
        /// </summary>
        public void WriteRow(Utf8JsonWriter writer, int position)
        {
            // The page's texts: looked up once per writer (the shape is fixed once the refs are checked).
            var texts = rowTexts ??= index.RowTexts.GetOrAdd(
                $"{request.IncludeRawDataRows}\u0001{resolveRefs}\u0001{request.IncludeChildren}\u0001{request.IncludeCosts}",
                _ => new byte[]?[index.Rows.Length]);
            var text = Volatile.Read(ref texts[position]);
            if (text is null)
            {
                var buffer = new ArrayBufferWriter<byte>(1024);
                using (var rowWriter = WireWriter.Create(buffer)) Derive(rowWriter, position);
                text = buffer.WrittenSpan.ToArray();
                Volatile.Write(ref texts[position], text);
            }
            writer.WriteRawValue(text, skipInputValidation: true);
        }

        private void Derive(Utf8JsonWriter writer, int position)
        {
            var row = index.Rows[position];
            writer.WriteStartObject();
            writer.WriteRawString("row_digest", row.Digest);
            writer.WritePropertyName("raw_data_row");
            var raw = request.IncludeRawDataRows ? RawExample(row) : null;
            if (raw is null) writer.WriteNullValue();
            else writer.WriteRawValue(Resolved(raw), skipInputValidation: true);
            writer.WriteStartArray("evaluations");
            foreach (var evaluation in row.Evaluations)
            {
                writer.WriteStartObject();
                writer.WriteRawString("evaluation_call_id", index.RootIds[evaluation.RootIndex]);
                writer.WriteStartArray("trials");
                foreach (var trial in evaluation.Trials) WriteTrial(writer, trial);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        private void WriteTrial(Utf8JsonWriter writer, CallRecord call)
        {
            using var facts = TrialFacts.Read(store, index.ProjectId, call, request.IncludeChildren, request.IncludeCosts);
            writer.WriteStartObject();
            writer.WriteRawString("predict_and_score_call_id", call.Id);
            EvalResultsSummary.WriteStringOrNull(writer, "predict_call_id", facts.PredictCall?.Id);
            writer.WritePropertyName("model_output");
            if (facts.Output is { } output && output.TryGetProperty("output", out var modelOutput)) WriteStored(writer, modelOutput);
            else writer.WriteNullValue();
            writer.WritePropertyName("scores");
            if (facts.AddedScores.Count == 0 && facts.Scores is { } scores) WriteStored(writer, scores);
            else
            {
                writer.WriteStartObject();
                foreach (var (key, value) in facts.AllScores())
                {
                    writer.WritePropertyName(key);
                    WriteStored(writer, value);
                }
                writer.WriteEndObject();
            }
            EvalResultsSummary.WriteFloatOrNull(writer, "model_latency_seconds", facts.LatencySeconds);
            if (facts.TotalTokens is { } tokens) writer.WriteNumber("total_tokens", tokens);
            else writer.WriteNull("total_tokens");
            EvalResultsSummary.WriteFloatOrNull(writer, "total_cost", request.IncludeCosts ? facts.TotalCost : null);
            writer.WriteStartObject("scorer_call_ids");
            foreach (var (key, callId) in facts.ScorerCallIds()) writer.WriteRawString(key, callId);
            writer.WriteEndObject();
            writer.WritePropertyName("genai_span_ref");
            WriteGenAiSpanRef(writer, call);
            writer.WriteEndObject();
        }

        private static void WriteStored(Utf8JsonWriter writer, JsonElement value) =>
            writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(value), skipInputValidation: true);

        private static void WriteGenAiSpanRef(Utf8JsonWriter writer, CallRecord call)
        {
            if (call.Attributes.AsSpan().IndexOf(GenAiSpanWord) >= 0)
            {
                using var attributes = JsonDocument.Parse(call.Attributes);
                if (attributes.RootElement.TryGetProperty("weave", out var weave) && weave.ValueKind == JsonValueKind.Object
                    && weave.TryGetProperty("genai_span_ref", out var spans) && spans.ValueKind != JsonValueKind.Null)
                {
                    WriteStored(writer, spans);
                    return;
                }
            }
            writer.WriteNullValue();
        }

        /// <summary>The example of the row's first trial that has one (stored JSON text), or null.</summary>
        private static byte[]? RawExample(EvalRow row)
        {
            foreach (var (_, trial) in row.AllTrials())
            {
                var example = EvalResultsIndex.ExampleOf(trial.Inputs);
                if (example is not null && !example.AsSpan().SequenceEqual("null"u8)) return example;
            }
            return null;
        }

        private byte[] Resolved(byte[] raw)
        {
            if (!resolveRefs || RowRefOf(raw) is not { } rowRef || !TryParseRowRef(rowRef, out var projectId, out _, out _, out var rowDigest)) return raw;
            return store.GetTableRow(projectId, rowDigest) ?? raw;
        }

        /// <summary>The ref text when the example is a string containing <c>/attr/rows/id/</c>.</summary>
        private static string? RowRefOf(byte[]? raw)
        {
            if (raw is null || raw.Length == 0 || raw[0] != (byte)'"') return null;
            var text = JsonSerializer.Deserialize<string>(raw);
            return text is not null && text.Contains(EvalResultsIndex.DatasetRowMarker, StringComparison.Ordinal) ? text : null;
        }

        /// <summary>What a row's ref names: nothing (no ref, or a table ref), a malformed ref, or a dataset version.</summary>
        internal sealed class RowRefFacts
        {
            private static readonly RowRefFacts NoDataset = new(false, null, null, null);
            private static readonly RowRefFacts MalformedRef = new(true, null, null, null);

            private RowRefFacts(bool malformed, string? projectId, string? datasetName, string? datasetVersion)
            {
                Malformed = malformed;
                ProjectId = projectId;
                DatasetName = datasetName;
                DatasetVersion = datasetVersion;
                DatasetKey = datasetName is null ? null : projectId + "/" + datasetName + ":" + datasetVersion;
            }

            public bool Malformed { get; }

            public string? ProjectId { get; }

            public string? DatasetName { get; }

            public string? DatasetVersion { get; }

            public string? DatasetKey { get; }

            public static RowRefFacts Of(string? rowRef)
            {
                if (rowRef is null) return NoDataset;
                if (!TryParseRowRef(rowRef, out var projectId, out var datasetName, out var datasetVersion, out _)) return MalformedRef;
                return datasetName is null ? NoDataset : new RowRefFacts(false, projectId, datasetName, datasetVersion);
            }
        }

        /// <summary>
        /// <c>weave:///e/p/object/name:version/attr/rows/id/digest</c> (dataset name and version set) or
        /// <c>weave:///e/p/table/hex/attr/rows/id/digest</c> (dataset name null).
        /// </summary>
        private static bool TryParseRowRef(string text, out string projectId, out string? datasetName, out string? datasetVersion, out string rowDigest)
        {
            projectId = rowDigest = "";
            datasetName = datasetVersion = null;
            if (!text.StartsWith(Refs.Scheme, StringComparison.Ordinal)) return false;
            var parts = text.Substring(Refs.Scheme.Length).Split('/');
            if (parts.Length != 8 || parts[4] != "attr" || parts[5] != "rows" || parts[6] != "id" || parts[7].Length == 0
                || parts[0].Length == 0 || parts[1].Length == 0)
            {
                return false;
            }
            projectId = parts[0] + "/" + parts[1];
            rowDigest = parts[7];
            if (parts[2] == "table") return parts[3].Length > 0;
            if (parts[2] != "object") return false;
            var colon = parts[3].IndexOf(':');
            if (colon <= 0 || colon == parts[3].Length - 1) return false;
            datasetName = parts[3].Substring(0, colon);
            datasetVersion = parts[3].Substring(colon + 1);
            return true;
        }
    }
}
