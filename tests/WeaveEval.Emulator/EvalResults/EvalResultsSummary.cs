using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.InteropServices;
using System.Text.Json;
using WeaveEval.Emulator.Store;
using WeaveEval.Emulator.Wire;

namespace WeaveEval.Emulator.EvalResults
{
    /// <summary>
    /// <c>summary</c> of an eval_results query: per evaluation, trial count, one
    /// statistics block per flattened score dimension, predict token/cost totals and root-call metadata.
    /// </summary>
    internal static class EvalResultsSummary
    {
        private sealed class Dimension
        {
            public Dimension(string scorerKey, string? path, string valueType)
            {
                ScorerKey = scorerKey;
                Path = path;
                ValueType = valueType;
            }

            public string ScorerKey { get; }
            public string? Path { get; }
            public string ValueType { get; }
            public long TrialCount;
            public long NumericCount;
            public double? NumericMean;
            public long PassTrueCount;
            public long PassKnownCount;
        }

        private sealed class Evaluation
        {
            public Evaluation(string id) => Id = id;

            public string Id { get; }
            public long TrialCount;
            public long? PredictTotalTokens;
            public double? PredictTotalCost;
            public List<Dimension> Dimensions { get; } = new();
            public Dictionary<(string, string?), Dimension> ByKey { get; } = new();
        }

        /// <param name="rows">The qualifying rows in row_digest order.</param>
        public static byte[] Compute(EmulatorStore store, EvalResultsIndex index, IReadOnlyList<EvalRow> rows, bool includeChildren, bool includeCosts)
        {
            var evaluations = new List<Evaluation>();
            var byId = new Dictionary<int, Evaluation>();
            foreach (var row in rows)
            {
                foreach (var entry in row.Evaluations)
                {
                    if (!byId.TryGetValue(entry.RootIndex, out var evaluation))
                    {
                        byId[entry.RootIndex] = evaluation = new Evaluation(index.RootIds[entry.RootIndex]);
                        evaluations.Add(evaluation);
                    }
                    foreach (var trial in entry.Trials)
                    {
                        evaluation.TrialCount++;
                        using var facts = TrialFacts.Read(store, index.ProjectId, trial, includeChildren, includeCosts);
                        foreach (var (key, value) in facts.AllScores()) Walk(evaluation, key, new List<string>(), value);
                        if (facts.TotalTokens is { } tokens) evaluation.PredictTotalTokens = (evaluation.PredictTotalTokens ?? 0) + tokens;
                        if (facts.TotalCost is { } cost) evaluation.PredictTotalCost = (evaluation.PredictTotalCost ?? 0.0) + cost;
                    }
                }
            }

            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer, Json.WireWriter))
            {
                writer.WriteStartObject();
                writer.WriteNumber("row_count", rows.Count);
                writer.WriteStartArray("evaluations");
                foreach (var evaluation in evaluations) WriteEvaluation(writer, store, index.ProjectId, evaluation);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            return buffer.ToArray();
        }

        private static void Walk(Evaluation evaluation, string scorerKey, List<string> path, JsonElement value)
        {
            switch (value.ValueKind)
            {
                case JsonValueKind.True:
                case JsonValueKind.False:
                    var binary = Get(evaluation, scorerKey, path, "binary");
                    binary.TrialCount++;
                    binary.PassKnownCount++;
                    if (value.ValueKind == JsonValueKind.True) binary.PassTrueCount++;
                    break;
                case JsonValueKind.Number:
                    var continuous = Get(evaluation, scorerKey, path, "continuous");
                    continuous.TrialCount++;
                    // Python's incremental mean, kept verbatim so that the last digit rounds the same way.
                    var currentTotal = (continuous.NumericMean ?? 0.0) * continuous.NumericCount;
                    continuous.NumericCount++;
                    continuous.NumericMean = (currentTotal + value.GetDouble()) / continuous.NumericCount;
                    break;
                case JsonValueKind.String:
                    Get(evaluation, scorerKey, path, "text").TrialCount++;
                    break;
                case JsonValueKind.Object:
                    foreach (var property in value.EnumerateObject())
                    {
                        path.Add(property.Name);
                        Walk(evaluation, scorerKey, path, property.Value);
                        path.RemoveAt(path.Count - 1);
                    }
                    break;
            }
        }

        private static Dimension Get(Evaluation evaluation, string scorerKey, List<string> path, string valueType)
        {
            var pathText = path.Count == 0 ? null : string.Join(".", path);
            if (!evaluation.ByKey.TryGetValue((scorerKey, pathText), out var dimension))
            {
                evaluation.ByKey[(scorerKey, pathText)] = dimension = new Dimension(scorerKey, pathText, valueType);
                evaluation.Dimensions.Add(dimension);
            }
            return dimension;
        }

        private static void WriteEvaluation(Utf8JsonWriter writer, EmulatorStore store, string projectId, Evaluation evaluation)
        {
            writer.WriteStartObject();
            writer.WriteRawString("evaluation_call_id", evaluation.Id);
            writer.WriteNumber("trial_count", evaluation.TrialCount);
            writer.WriteStartArray("scorer_stats");
            foreach (var d in evaluation.Dimensions)
            {
                writer.WriteStartObject();
                writer.WriteRawString("scorer_key", d.ScorerKey);
                WriteStringOrNull(writer, "path", d.Path);
                writer.WriteString("value_type", d.ValueType);
                writer.WriteNumber("trial_count", d.TrialCount);
                writer.WriteNumber("numeric_count", d.NumericCount);
                WriteFloatOrNull(writer, "numeric_mean", d.NumericMean);
                writer.WriteNumber("pass_true_count", d.PassTrueCount);
                writer.WriteNumber("pass_known_count", d.PassKnownCount);
                WriteFloatOrNull(writer, "pass_rate", d.PassKnownCount > 0 ? (double)d.PassTrueCount / d.PassKnownCount : null);
                WriteFloatOrNull(writer, "pass_signal_coverage", d.TrialCount > 0 ? (double)d.PassKnownCount / d.TrialCount : null);
                writer.WriteEndObject();
            }
            writer.WriteEndArray();
            if (evaluation.PredictTotalTokens is { } tokens) writer.WriteNumber("predict_total_tokens", tokens);
            else writer.WriteNull("predict_total_tokens");
            WriteFloatOrNull(writer, "predict_total_cost", evaluation.PredictTotalCost);

            var root = store.GetCall(projectId, evaluation.Id);
            JsonElement? evaluationRef = null, modelRef = null;
            using var inputs = root is null ? null : JsonDocument.Parse(root.Inputs);
            if (inputs is not null && inputs.RootElement.ValueKind == JsonValueKind.Object)
            {
                var self = inputs.RootElement.TryGetProperty("self", out var s) ? s : (JsonElement?)null;
                var @this = inputs.RootElement.TryGetProperty("this", out var t) ? t : (JsonElement?)null;
                evaluationRef = self is { } selfValue && Truthy(selfValue) ? self : @this;
                modelRef = inputs.RootElement.TryGetProperty("model", out var m) ? m : null;
            }
            WriteElementOrNull(writer, "evaluation_ref", evaluationRef);
            WriteElementOrNull(writer, "model_ref", modelRef);
            WriteStringOrNull(writer, "display_name", root?.DisplayName);
            WriteStringOrNull(writer, "trace_id", root?.TraceId);
            WriteStringOrNull(writer, "started_at", root is null ? null : PyJson.FormatIsoOffset(root.StartedAt));
            writer.WriteEndObject();
        }

        private static bool Truthy(JsonElement value) => value.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.False or JsonValueKind.Undefined => false,
            JsonValueKind.String => value.GetString()!.Length > 0,
            JsonValueKind.Number => value.GetDouble() != 0,
            JsonValueKind.Object => value.EnumerateObject().Any(),
            JsonValueKind.Array => value.GetArrayLength() > 0,
            _ => true,
        };

        /// <summary>A string escaped as Python's json does (raw UTF-8 even outside the BMP), or null.</summary>
        internal static void WriteStringOrNull(Utf8JsonWriter writer, string name, string? value) => writer.WriteRawString(name, value);

        internal static void WriteFloatOrNull(Utf8JsonWriter writer, string name, double? value)
        {
            if (value is { } number) PyJson.WriteFloat(writer, name, number);
            else writer.WriteNull(name);
        }

        private static void WriteElementOrNull(Utf8JsonWriter writer, string name, JsonElement? value)
        {
            writer.WritePropertyName(name);
            if (value is { } element) writer.WriteRawValue(JsonMarshal.GetRawUtf8Value(element), skipInputValidation: true);
            else writer.WriteNullValue();
        }
    }
}
