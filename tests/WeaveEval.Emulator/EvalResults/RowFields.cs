using System;
using System.Collections.Generic;
using System.Globalization;
using System.Text;
using System.Text.Json;
using WeaveEval.Emulator.Store;

namespace WeaveEval.Emulator.EvalResults
{
    /// <summary>
    /// Field values of one row for filters and sorts: <c>scores.*</c> and <c>output.*</c>
    /// read the PAS output, <c>inputs.*</c> the dataset row (resolved through the table even without
    /// <c>resolve_row_refs</c>) or the inline example, <c>row_digest</c> the digest. Parsed documents
    /// are kept until the row is done.
    /// </summary>
    internal sealed class RowFields : IDisposable
    {
        /// <summary>Scope value that matches no evaluation (a scope id that was not requested).</summary>
        public const int NoEvaluation = -2;

        /// <summary>Scope value that matches every evaluation.</summary>
        public const int AllEvaluations = -1;

        private readonly EmulatorStore store;
        private readonly string projectId;
        private readonly EvalRow row;
        private readonly Dictionary<CallRecord, (JsonDocument? Output, JsonDocument? Example)> documents = new(ReferenceEqualityComparer.Instance);

        public RowFields(EmulatorStore store, string projectId, EvalRow row)
        {
            this.store = store;
            this.projectId = projectId;
            this.row = row;
        }

        public IFieldSource Scoped(int scope) => new ScopedSource(this, scope);

        /// <summary><c>any()</c>: the first non-null value in trial order within the scope.</summary>
        public string? Any(string path, int scope)
        {
            if (path == "row_digest") return row.Digest;
            var segments = Split(path);
            foreach (var (root, trial) in row.AllTrials())
            {
                if (scope != AllEvaluations && root != scope) continue;
                if (Resolve(trial, segments) is { } element && Text(element) is { } text) return text;
            }
            return null;
        }

        /// <summary>Average of the numeric trial values in the scope (bools 1/0, numeric strings parsed); null when none.</summary>
        public double? Average(string path, int scope)
        {
            var segments = Split(path);
            double sum = 0;
            var count = 0;
            foreach (var (root, trial) in row.AllTrials())
            {
                if (scope != AllEvaluations && root != scope) continue;
                if (Resolve(trial, segments) is not { } element) continue;
                double? number = element.ValueKind switch
                {
                    JsonValueKind.True => 1,
                    JsonValueKind.False => 0,
                    JsonValueKind.Number => element.GetDouble(),
                    JsonValueKind.String => double.TryParse(element.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) ? parsed : null,
                    _ => null,
                };
                if (number is null) continue;
                sum += number.Value;
                count++;
            }
            return count == 0 ? null : sum / count;
        }

        public void Dispose()
        {
            foreach (var (output, example) in documents.Values)
            {
                output?.Dispose();
                example?.Dispose();
            }
        }

        /// <summary>Field text as the SQL layer sees it: strings unquoted, booleans 1/0, null for JSON null.</summary>
        public static string? Text(JsonElement element) => element.ValueKind switch
        {
            JsonValueKind.String => element.GetString(),
            JsonValueKind.True => "1",
            JsonValueKind.False => "0",
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => element.GetRawText(),
        };

        /// <summary>Splits a dotted path; <c>\.</c> is a literal dot inside a key.</summary>
        public static List<string> Split(string path)
        {
            var segments = new List<string>();
            var current = new StringBuilder();
            for (var i = 0; i < path.Length; i++)
            {
                if (path[i] == '\\' && i + 1 < path.Length && path[i + 1] == '.')
                {
                    current.Append('.');
                    i++;
                }
                else if (path[i] == '.')
                {
                    segments.Add(current.ToString());
                    current.Clear();
                }
                else current.Append(path[i]);
            }
            segments.Add(current.ToString());
            return segments;
        }

        private JsonElement? Resolve(CallRecord trial, List<string> segments)
        {
            var (output, example) = Documents(trial);
            JsonElement start;
            int skip;
            switch (segments[0])
            {
                case "scores":
                    if (output is null) return null;
                    start = output.RootElement;
                    skip = 0;
                    break;
                case "output":
                    if (output is null) return null;
                    start = output.RootElement;
                    skip = 1;
                    break;
                case "inputs":
                    if (example is null) return null;
                    start = example.RootElement;
                    skip = 1;
                    break;
                default:
                    return null;
            }
            var current = start;
            for (var i = skip; i < segments.Count; i++)
            {
                if (current.ValueKind == JsonValueKind.Object && current.TryGetProperty(segments[i], out var child)) current = child;
                else if (current.ValueKind == JsonValueKind.Array && int.TryParse(segments[i], NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                    && index < current.GetArrayLength())
                {
                    current = current[index];
                }
                else return null;
            }
            return current;
        }

        private (JsonDocument? Output, JsonDocument? Example) Documents(CallRecord trial)
        {
            if (documents.TryGetValue(trial, out var cached)) return cached;
            var output = trial.Output is null ? null : JsonDocument.Parse(trial.Output);
            JsonDocument? example = null;
            var exampleBytes = EvalResultsIndex.ExampleOf(trial.Inputs);
            if (exampleBytes is not null)
            {
                example = JsonDocument.Parse(exampleBytes);
                if (example.RootElement.ValueKind == JsonValueKind.String
                    && example.RootElement.GetString()!.Contains(EvalResultsIndex.DatasetRowMarker, StringComparison.Ordinal))
                {
                    var tableRow = store.GetTableRow(projectId, EvalResultsIndex.RowDigestOf(trial.Inputs));
                    example.Dispose();
                    example = tableRow is null ? null : JsonDocument.Parse(tableRow);
                }
            }
            documents[trial] = (output, example);
            return (output, example);
        }

        private sealed class ScopedSource : IFieldSource
        {
            private readonly RowFields fields;
            private readonly int scope;

            public ScopedSource(RowFields fields, int scope)
            {
                this.fields = fields;
                this.scope = scope;
            }

            public string? Field(string path) => fields.Any(path, scope);
        }
    }
}
