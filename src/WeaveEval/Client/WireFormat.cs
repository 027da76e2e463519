using System;
using System.Collections.Generic;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace WeaveEval.Client
{
    /// <summary>Reads one JSON value; the reader is on its first token and must end on its last.</summary>
    internal delegate T Utf8Parser<T>(ref Utf8JsonReader reader);

    /// <summary>The columns of a calls-query line that the client uses.</summary>
    internal sealed class CallLine
    {
        public string? Id;
        public string? OpName;
        public string? DisplayName;
        public string? TraceId;
        public string? ParentId;
        public string? StartedAt;
        public string? EndedAt;
        public bool HasException;
        public JsonMap? Attributes;
        public JsonMap? Inputs;
        public JsonMap? Summary;
        public object? Output;
        public string? WbUserId;
    }

    /// <summary>One row of an eval_results page with its trials already turned into results.</summary>
    internal sealed class EvalRow
    {
        public string RowDigest = string.Empty;
        public object? RawDataRow;
        public List<EvalResult> Results = new List<EvalResult>();

        /// <summary>The row as the reader's caller prepared it on its page's task (<see cref="PagedList{T}.PreparePage"/>); its <see cref="Results"/> are then empty.</summary>
        public PreparedRow? Prepared;

        /// <summary>The row's trials, prepared or not.</summary>
        public int Trials => Prepared?.Trials ?? Results.Count;
    }

    /// <summary>
    /// A row in the form its consumer writes it, made on its page's task: the direct export's lines of the
    /// row's trials, encoded as they go into the file.
    /// </summary>
    internal sealed class PreparedRow
    {
        public PreparedRow(ArraySegment<byte> text, int trials, List<KeyValuePair<EvalResult, List<string>>>? lateKeys)
        {
            Text = text;
            Trials = trials;
            LateKeys = lateKeys;
        }

        public ArraySegment<byte> Text { get; }

        public int Trials { get; }

        /// <summary>Keys of the row's results that have no column, by result (null: none); the consumer decides which to report.</summary>
        public List<KeyValuePair<EvalResult, List<string>>>? LateKeys { get; }
    }

    /// <summary>
    /// Parsers that read server objects field by field with <see cref="Utf8JsonReader"/>. Unknown fields are
    /// skipped, missing ones stay null and a field of an unexpected type is read leniently.
    /// </summary>
    internal static class WireFormat
    {
        public static CallLine ParseCall(ref Utf8JsonReader reader)
        {
            ExpectObject(ref reader, "call");
            var call = new CallLine();
            while (NextProperty(ref reader, out var name))
            {
                switch (name)
                {
                    case "id": call.Id = ReadString(ref reader); break;
                    case "op_name": call.OpName = ReadString(ref reader); break;
                    case "display_name": call.DisplayName = ReadString(ref reader); break;
                    case "trace_id": call.TraceId = ReadString(ref reader); break;
                    case "parent_id": call.ParentId = ReadString(ref reader); break;
                    case "started_at": call.StartedAt = ReadString(ref reader); break;
                    case "ended_at": call.EndedAt = ReadString(ref reader); break;
                    case "exception": call.HasException = reader.TokenType != JsonTokenType.Null; reader.Skip(); break;
                    case "attributes": call.Attributes = ReadMap(ref reader); break;
                    case "inputs": call.Inputs = ReadMap(ref reader); break;
                    case "summary": call.Summary = ReadMap(ref reader); break;
                    case "output": call.Output = JsonText.ReadValue(ref reader); break;
                    case "wb_user_id": call.WbUserId = ReadString(ref reader); break;
                    default: reader.Skip(); break;
                }
            }
            return call;
        }

        public static Prediction ParsePrediction(ref Utf8JsonReader reader, string entity, string project)
        {
            ExpectObject(ref reader, "prediction");
            var prediction = new Prediction { Entity = entity, Project = project };
            while (NextProperty(ref reader, out var name))
            {
                switch (name)
                {
                    case "prediction_id": prediction.PredictionId = ReadString(ref reader) ?? string.Empty; break;
                    case "model": prediction.Model = ReadString(ref reader) ?? string.Empty; break;
                    case "inputs": prediction.Inputs = ReadMap(ref reader) ?? new JsonMap(); break;
                    case "output": prediction.Output = JsonText.ReadValue(ref reader); break;
                    case "evaluation_run_id": prediction.EvaluationRunId = ReadString(ref reader); break;
                    case "wb_user_id": prediction.WbUserId = ReadString(ref reader); break;
                    default: reader.Skip(); break;
                }
            }
            prediction.ModelName = Mapping.ShortName(prediction.Model);
            return prediction;
        }

        /// <summary>Parses one eval_results row and fills in the per-trial results (inputs, digest, trial index).</summary>
        [MethodImpl(HotPath.Optimize)]
        public static EvalRow ParseEvalRow(ref Utf8JsonReader reader, bool includeInputs, string entity, string project)
        {
            ExpectObject(ref reader, "row");
            var row = new EvalRow();
            while (NextProperty(ref reader, out var name))
            {
                switch (name)
                {
                    case "row_digest": row.RowDigest = ReadString(ref reader) ?? string.Empty; break;
                    case "raw_data_row": row.RawDataRow = JsonText.ReadValue(ref reader); break;
                    case "evaluations": ReadEvaluations(ref reader, row.Results, entity, project); break;
                    default: reader.Skip(); break;
                }
            }
            var inputs = includeInputs ? row.RawDataRow as JsonMap : null;
            var rowRef = includeInputs ? row.RawDataRow as string : null;
            foreach (var result in row.Results)
            {
                result.RowDigest = row.RowDigest;
                result.Inputs = inputs;
                result.DatasetRowRef = rowRef;
            }
            return row;
        }

        [MethodImpl(HotPath.Optimize)]
        private static void ReadEvaluations(ref Utf8JsonReader reader, List<EvalResult> results, string entity, string project)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                return;
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }
                string? evaluationId = null;
                var first = results.Count;
                while (NextProperty(ref reader, out var name))
                {
                    switch (name)
                    {
                        // The same few ids on every row: one string each, not one per row.
                        case "evaluation_call_id": evaluationId = reader.TokenType == JsonTokenType.String ? JsonNames.Read(ref reader) : ReadString(ref reader); break;
                        case "trials": ReadTrials(ref reader, results, entity, project); break;
                        default: reader.Skip(); break;
                    }
                }
                for (var i = first; i < results.Count; i++)
                {
                    results[i].EvaluationRunId = evaluationId ?? string.Empty;
                    results[i].TrialIndex = i - first;
                }
            }
        }

        [MethodImpl(HotPath.Optimize)]
        private static void ReadTrials(ref Utf8JsonReader reader, List<EvalResult> results, string entity, string project)
        {
            if (reader.TokenType != JsonTokenType.StartArray)
            {
                reader.Skip();
                return;
            }
            while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
            {
                if (reader.TokenType != JsonTokenType.StartObject)
                {
                    reader.Skip();
                    continue;
                }
                var result = new EvalResult { Entity = entity, Project = project };
                while (NextProperty(ref reader, out var name))
                {
                    switch (name)
                    {
                        case "predict_and_score_call_id": result.PredictAndScoreCallId = ReadString(ref reader) ?? string.Empty; break;
                        case "predict_call_id": result.PredictionId = ReadString(ref reader); break;
                        case "model_output": result.Output = JsonText.ReadValue(ref reader); break;
                        case "scores":
                            // A trial without scores keeps none: EvalResult makes its empty map when asked.
                            if (ReadMap(ref reader) is JsonMap scores) result.Scores = scores;
                            break;
                        case "model_latency_seconds": result.ModelLatencySeconds = Mapping.AsDouble(JsonText.ReadValue(ref reader)); break;
                        case "total_tokens": result.TotalTokens = Mapping.AsLong(JsonText.ReadValue(ref reader)); break;
                        case "total_cost": result.TotalCost = Mapping.AsDouble(JsonText.ReadValue(ref reader)); break;
                        case "scorer_call_ids": result.ScorerCallIds = ReadMap(ref reader); break;
                        default: reader.Skip(); break;
                    }
                }
                results.Add(result);
            }
        }

        private static void ExpectObject(ref Utf8JsonReader reader, string what)
        {
            if (reader.TokenType != JsonTokenType.StartObject) throw new JsonException($"Expected a JSON object ({what}) but found {reader.TokenType}.");
        }

        /// <summary>Moves to the next property of the current object and onto its value; false at the object's end.</summary>
        [MethodImpl(HotPath.Optimize)]
        private static bool NextProperty(ref Utf8JsonReader reader, out string name)
        {
            name = string.Empty;
            if (!reader.Read()) throw new JsonException("Unexpected end of data inside an object.");
            if (reader.TokenType == JsonTokenType.EndObject) return false;
            if (reader.TokenType != JsonTokenType.PropertyName) throw new JsonException($"Expected a property name but found {reader.TokenType}.");
            name = JsonNames.Read(ref reader);
            if (!reader.Read()) throw new JsonException("Unexpected end of data after a property name.");
            return true;
        }

        /// <summary>A string value; a number or boolean as its JSON text; null for null; objects and arrays as compact JSON.</summary>
        [MethodImpl(HotPath.Optimize)]
        private static string? ReadString(ref Utf8JsonReader reader)
        {
            switch (reader.TokenType)
            {
                case JsonTokenType.String:
                    return reader.GetString();
                case JsonTokenType.Null:
                    return null;
                default:
                    return Mapping.AsText(JsonText.ReadValue(ref reader));
            }
        }

        /// <summary>An object value as a map; null for null or a value that is not an object.</summary>
        [MethodImpl(HotPath.Optimize)]
        private static JsonMap? ReadMap(ref Utf8JsonReader reader)
        {
            if (reader.TokenType == JsonTokenType.StartObject) return (JsonMap?)JsonText.ReadValue(ref reader);
            reader.Skip();
            return null;
        }
    }
}
