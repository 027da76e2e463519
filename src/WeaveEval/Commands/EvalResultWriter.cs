using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Writes evaluation results straight to an <see cref="ExportTarget"/>, one line per trial, without
    /// building PowerShell objects: the direct path of Export-WeaveEvalResult.
    /// </summary>
    internal abstract class EvalResultWriter : IDisposable
    {
        protected EvalResultWriter(ExportTarget target)
        {
            Target = target;
        }

        protected ExportTarget Target { get; }

        /// <summary>
        /// A writer of <paramref name="format"/>; a CSV writer reports through <paramref name="lateKeys"/> the keys
        /// a result has that the header (fixed by the first result) lacks, and through <paramref name="warn"/>
        /// the columns that an appended-to file's header lacks.
        /// </summary>
        public static EvalResultWriter Create(ExportFormat format, ExportTarget target, EvalResultColumns columns, Action<EvalResult, List<string>?> lateKeys, Action<string> warn) =>
            format == ExportFormat.JsonLines ? new JsonLinesWriter(target) : (EvalResultWriter)new CsvWriter(target, columns, lateKeys, warn);

        /// <summary>Writes one result as one line.</summary>
        public abstract void Write(EvalResult result);

        /// <summary>Writes what is buffered and puts the file in place.</summary>
        public FileInfo Commit()
        {
            Finish();
            // Finish wrote what the writer held into the file's stream; the writer is done before the file is put in place.
            Close();
            return Target.Commit();
        }

        public void Dispose()
        {
            Close();
            Target.Dispose();
        }

        protected abstract void Finish();

        protected abstract void Close();

        /// <summary>
        /// The columns every result has besides the flat Input.*/Score.* ones: its properties, in the order
        /// PowerShell lists them (and Export-Csv writes them), read without reflection.
        /// </summary>
        internal static readonly IReadOnlyList<KeyValuePair<string, Func<EvalResult, object?>>> PropertyColumns = new[]
        {
            Column(nameof(EvalResult.EvaluationRunId), r => r.EvaluationRunId),
            Column(nameof(EvalResult.ModelName), r => r.ModelName),
            Column(nameof(EvalResult.EvaluationName), r => r.EvaluationName),
            Column(nameof(EvalResult.DisplayName), r => r.DisplayName),
            Column(nameof(EvalResult.RowDigest), r => r.RowDigest),
            Column(nameof(EvalResult.TrialIndex), r => r.TrialIndex),
            Column(nameof(EvalResult.PredictAndScoreCallId), r => r.PredictAndScoreCallId),
            Column(nameof(EvalResult.PredictionId), r => r.PredictionId),
            Column(nameof(EvalResult.Inputs), r => r.Inputs),
            Column(nameof(EvalResult.DatasetRowRef), r => r.DatasetRowRef),
            Column(nameof(EvalResult.Output), r => r.Output),
            Column(nameof(EvalResult.Scores), r => r.Scores),
            Column(nameof(EvalResult.ModelLatencySeconds), r => r.ModelLatencySeconds),
            Column(nameof(EvalResult.TotalTokens), r => r.TotalTokens),
            Column(nameof(EvalResult.TotalCost), r => r.TotalCost),
            Column(nameof(EvalResult.ScorerCallIds), r => r.ScorerCallIds),
            Column(nameof(EvalResult.Entity), r => r.Entity),
            Column(nameof(EvalResult.Project), r => r.Project),
        };

        private static KeyValuePair<string, Func<EvalResult, object?>> Column(string name, Func<EvalResult, object?> read) =>
            new KeyValuePair<string, Func<EvalResult, object?>>(name, read);

        /// <summary>
        /// RFC 4180 CSV in the columns of the Export-Csv contract: Input.* and Score.* (fixed by the first
        /// result, as for Get-WeaveEvalResult), then the result's properties; culture-invariant cells
        /// (<see cref="InvariantCsv.Format"/>). Appending writes under the existing file's header.
        /// </summary>
        private sealed class CsvWriter : EvalResultWriter
        {
            private readonly EvalResultColumns columns;
            private readonly Action<EvalResult, List<string>?> lateKeys;
            private readonly Action<string> warn;
            private readonly List<object?> cells = new List<object?>();
            private InvariantCsvWriter? writer;
            private object?[]? values;

            /// <summary>For each column of the file, the index of the value written there (-1: none, empty cell).</summary>
            private int[]? layout;

            public CsvWriter(ExportTarget target, EvalResultColumns columns, Action<EvalResult, List<string>?> lateKeys, Action<string> warn)
                : base(target)
            {
                this.columns = columns;
                this.lateKeys = lateKeys;
                this.warn = warn;
                writer = new InvariantCsvWriter(target.Stream);
                if (!target.EndsWithLineBreak) writer.LineBreak();
            }

            [MethodImpl(HotPath.Optimize)]
            public override void Write(EvalResult result)
            {
                columns.Row(result, cells, out var newKeys);
                if (newKeys != null) lateKeys(result, newKeys);
                if (values == null) StartFile();
                var row = values!;
                var count = cells.Count;
                for (var i = 0; i < count; i++) row[i] = cells[i];
                for (var i = 0; i < PropertyColumns.Count; i++) row[count + i] = PropertyColumns[i].Value(result);
                var output = writer!;
                // A run's names and a row's inputs repeat from trial to trial: written once, then copied.
                if (layout == null)
                {
                    for (var i = 0; i < row.Length; i++) output.WriteRepeatedValue(row[i], i);
                }
                else
                {
                    for (var i = 0; i < layout.Length; i++) output.WriteRepeatedValue(layout[i] < 0 ? null : row[layout[i]], i);
                }
                output.EndRecord();
            }

            protected override void Finish()
            {
                if (values == null) StartFile();
                writer!.Flush();
            }

            protected override void Close()
            {
                writer?.Dispose();
                writer = null;
            }

            /// <summary>
            /// Fixes the columns (by now the first result, if any, has completed them) and writes the header,
            /// or, when appending, lays the columns out under the existing header.
            /// </summary>
            private void StartFile()
            {
                var names = columns.Names.Concat(PropertyColumns.Select(c => c.Key)).ToList();
                values = new object?[names.Count];
                var existing = Target.ExistingHeader;
                if (existing == null)
                {
                    writer!.WriteRecord(names);
                    return;
                }
                var position = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                for (var i = 0; i < names.Count; i++) position[names[i]] = i;
                layout = existing.Select(name => position.TryGetValue(name, out var i) ? i : -1).ToArray();
                var header = new HashSet<string>(existing, StringComparer.OrdinalIgnoreCase);
                foreach (var name in names.Where(n => !header.Contains(n)))
                {
                    warn($"The file '{Target.Path}' has no column '{name}': its values are not written (rows are appended under the file's header). Export to a new file to keep them.");
                }
            }
        }

        /// <summary>
        /// JSON Lines: one compact JSON object per trial with the result's properties, nested inputs, output,
        /// scores and scorer call ids kept as JSON (not flattened), numbers as JSON numbers, LF line ends.
        /// </summary>
        private sealed class JsonLinesWriter : EvalResultWriter
        {
            private readonly Stream stream;
            private Utf8JsonWriter? json;

            public JsonLinesWriter(ExportTarget target)
                : base(target)
            {
                stream = target.Stream;
                if (!target.EndsWithLineBreak) stream.WriteByte((byte)'\n');
                // Compact, and text as people wrote it (not \u escapes): readers of JSON Lines read UTF-8.
                json = new Utf8JsonWriter(stream, JsonText.CompactOptions);
            }

            [MethodImpl(HotPath.Optimize)]
            public override void Write(EvalResult result)
            {
                var w = json!;
                w.WriteStartObject();
                w.WriteString(nameof(EvalResult.EvaluationRunId), result.EvaluationRunId);
                w.WriteString(nameof(EvalResult.ModelName), result.ModelName);
                w.WriteString(nameof(EvalResult.EvaluationName), result.EvaluationName);
                w.WriteString(nameof(EvalResult.DisplayName), result.DisplayName);
                w.WriteString(nameof(EvalResult.RowDigest), result.RowDigest);
                w.WriteNumber(nameof(EvalResult.TrialIndex), result.TrialIndex);
                w.WriteString(nameof(EvalResult.PredictAndScoreCallId), result.PredictAndScoreCallId);
                w.WriteString(nameof(EvalResult.PredictionId), result.PredictionId);
                WriteValue(w, nameof(EvalResult.Inputs), result.Inputs);
                w.WriteString(nameof(EvalResult.DatasetRowRef), result.DatasetRowRef);
                WriteValue(w, nameof(EvalResult.Output), result.Output);
                WriteValue(w, nameof(EvalResult.Scores), result.Scores);
                WriteNumber(w, nameof(EvalResult.ModelLatencySeconds), result.ModelLatencySeconds);
                if (result.TotalTokens.HasValue) w.WriteNumber(nameof(EvalResult.TotalTokens), result.TotalTokens.Value);
                else w.WriteNull(nameof(EvalResult.TotalTokens));
                WriteNumber(w, nameof(EvalResult.TotalCost), result.TotalCost);
                WriteValue(w, nameof(EvalResult.ScorerCallIds), result.ScorerCallIds);
                w.WriteString(nameof(EvalResult.Entity), result.Entity);
                w.WriteString(nameof(EvalResult.Project), result.Project);
                w.WriteEndObject();
                w.Flush();
                // One value per line: the writer starts the next line's object afresh.
                w.Reset();
                stream.WriteByte((byte)'\n');
            }

            protected override void Finish() => json!.Flush();

            protected override void Close()
            {
                json?.Dispose();
                json = null;
            }

            [MethodImpl(HotPath.Optimize)]
            private static void WriteValue(Utf8JsonWriter w, string name, object? value)
            {
                w.WritePropertyName(name);
                JsonText.Write(w, value);
            }

            [MethodImpl(HotPath.Optimize)]
            private static void WriteNumber(Utf8JsonWriter w, string name, double? value)
            {
                if (value.HasValue && !double.IsNaN(value.Value) && !double.IsInfinity(value.Value)) w.WriteNumber(name, value.Value);
                else w.WriteNull(name);
            }
        }
    }
}
