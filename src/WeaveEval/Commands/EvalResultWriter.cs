using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Runtime.CompilerServices;
using System.Text.Json;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Writes evaluation results straight to an <see cref="ExportTarget"/>, one line per trial, without
    /// building PowerShell objects: the direct path of Export-WeaveEvalResult. Once the first result is
    /// written (the columns are fixed by then), later pages are formatted on their own tasks as they arrive
    /// (<see cref="IRowPreparation"/>), and the file gets their lines in order.
    /// </summary>
    internal abstract class EvalResultWriter : IRowPreparation, IDisposable
    {
        /// <summary>Set on the writer's thread after the first result; pages that start later format their rows.</summary>
        private volatile bool started;

        /// <summary>Where the pages keep their formatted rows until they are written.</summary>
        private readonly TextBlocks blocks = new TextBlocks();

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
        public void Write(EvalResult result)
        {
            WriteResult(result);
            if (!started) started = true;
        }

        /// <summary>Formats a page's rows into lines on the page's task, once the first result has been written.</summary>
        public Action<EvalRow>? StartPage()
        {
            if (!started) return null;
            var lines = StartLines(blocks.StartPage());
            return row =>
            {
                row.Prepared = lines(row.Results);
                row.Results.Clear();
                row.RawDataRow = null;
            };
        }

        /// <summary>Writes the lines of a row that a page formatted.</summary>
        public void Take(EvalRow row)
        {
            WritePrepared(row.Prepared!);
            blocks.Written(row.Prepared!.Text);
        }

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

        protected abstract void WriteResult(EvalResult result);

        /// <summary>What formats the results of one row after the other into their lines, kept in <paramref name="page"/>, for one page (its own state; any thread).</summary>
        protected abstract Func<List<EvalResult>, PreparedRow> StartLines(TextBlocks.Page page);

        protected abstract void WritePrepared(PreparedRow row);

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
            private InvariantCsvWriter? writer;
            private CsvRecords? records;

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
            protected override void WriteResult(EvalResult result)
            {
                var file = records ??= new CsvRecords(columns, writer!);
                var newKeys = file.Flatten(result);
                if (newKeys != null) lateKeys(result, newKeys);
                if (!file.Started) StartFile(file);
                file.Write(result);
            }

            protected override Func<List<EvalResult>, PreparedRow> StartLines(TextBlocks.Page kept)
            {
                // Started: the first result has fixed the columns and the layout.
                var file = records!;
                var page = new CsvRecords(columns.ForAnotherThread(), new InvariantCsvWriter()) { Layout = file.Layout };
                page.Start(file.Width);
                return results =>
                {
                    List<KeyValuePair<EvalResult, List<string>>>? late = null;
                    foreach (var result in results)
                    {
                        var newKeys = page.Flatten(result);
                        if (newKeys != null) (late ??= new List<KeyValuePair<EvalResult, List<string>>>()).Add(new KeyValuePair<EvalResult, List<string>>(result, newKeys));
                        page.Write(result);
                    }
                    return new PreparedRow(kept.Keep(page.Csv.TakeRecords()), results.Count, late);
                };
            }

            protected override void WritePrepared(PreparedRow row)
            {
                if (row.LateKeys != null)
                {
                    // A page reports a key once itself; the first report in the file's order is the one shown.
                    foreach (var pair in row.LateKeys)
                    {
                        var first = columns.FirstReports(pair.Value);
                        if (first != null) lateKeys(pair.Key, first);
                    }
                }
                writer!.WriteRecords(row.Text);
            }

            protected override void Finish()
            {
                var file = records ??= new CsvRecords(columns, writer!);
                if (!file.Started) StartFile(file);
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
            private void StartFile(CsvRecords file)
            {
                var names = columns.Names.Concat(PropertyColumns.Select(c => c.Key)).ToList();
                file.Start(names.Count);
                var existing = Target.ExistingHeader;
                if (existing == null)
                {
                    writer!.WriteRecord(names);
                    return;
                }
                var position = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
                for (var i = 0; i < names.Count; i++) position[names[i]] = i;
                file.Layout = existing.Select(name => position.TryGetValue(name, out var i) ? i : -1).ToArray();
                var header = new HashSet<string>(existing, StringComparer.OrdinalIgnoreCase);
                foreach (var name in names.Where(n => !header.Contains(n)))
                {
                    warn($"The file '{Target.Path}' has no column '{name}': its values are not written (rows are appended under the file's header). Export to a new file to keep them.");
                }
            }
        }

        /// <summary>
        /// Results as CSV records in the file's columns, through one <see cref="InvariantCsvWriter"/>: the file's
        /// own, or a page's in memory. One thread at a time.
        /// </summary>
        private sealed class CsvRecords
        {
            private readonly EvalResultColumns columns;
            private readonly List<object?> cells = new List<object?>();
            private object?[]? values;

            public CsvRecords(EvalResultColumns columns, InvariantCsvWriter csv)
            {
                this.columns = columns;
                Csv = csv;
            }

            public InvariantCsvWriter Csv { get; }

            /// <summary>For each column of the file, the index of the value written there (-1: none, empty cell); null: the columns as they are.</summary>
            public int[]? Layout { get; set; }

            public bool Started => values != null;

            /// <summary>Values per record: the flat columns and the properties.</summary>
            public int Width => values!.Length;

            public void Start(int width) => values = new object?[width];

            /// <summary>Takes the result's flat cells; returns the keys it has without a column (see <see cref="EvalResultColumns.Row"/>).</summary>
            [MethodImpl(HotPath.Optimize)]
            public List<string>? Flatten(EvalResult result)
            {
                columns.Row(result, cells, out var newKeys);
                return newKeys;
            }

            /// <summary>Writes the result's record: the cells of the last <see cref="Flatten"/>, then its properties.</summary>
            [MethodImpl(HotPath.Optimize)]
            public void Write(EvalResult result)
            {
                var row = values!;
                var count = cells.Count;
                for (var i = 0; i < count; i++) row[i] = cells[i];
                for (var i = 0; i < PropertyColumns.Count; i++) row[count + i] = PropertyColumns[i].Value(result);
                var output = Csv;
                // A run's names and a row's inputs repeat from trial to trial: written once, then copied.
                var order = Layout;
                if (order == null)
                {
                    for (var i = 0; i < row.Length; i++) output.WriteRepeatedValue(row[i], i);
                }
                else
                {
                    for (var i = 0; i < order.Length; i++) output.WriteRepeatedValue(order[i] < 0 ? null : row[order[i]], i);
                }
                output.EndRecord();
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

            protected override void WriteResult(EvalResult result) => WriteLine(json!, stream, result);

            protected override Func<List<EvalResult>, PreparedRow> StartLines(TextBlocks.Page kept)
            {
                var bytes = new MemoryStream();
                var page = new Utf8JsonWriter(bytes, JsonText.CompactOptions);
                return results =>
                {
                    foreach (var result in results) WriteLine(page, bytes, result);
                    var text = kept.Keep(new ReadOnlySpan<byte>(bytes.GetBuffer(), 0, (int)bytes.Length));
                    bytes.SetLength(0);
                    return new PreparedRow(text, results.Count, null);
                };
            }

            protected override void WritePrepared(PreparedRow row) => stream.Write(row.Text.Array!, row.Text.Offset, row.Text.Count);

            /// <summary>The result's line: its object, flushed into <paramref name="to"/>, then LF.</summary>
            [MethodImpl(HotPath.Optimize)]
            private static void WriteLine(Utf8JsonWriter w, Stream to, EvalResult result)
            {
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
                to.WriteByte((byte)'\n');
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
