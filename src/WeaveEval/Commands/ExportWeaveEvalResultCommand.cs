using System;
using System.Collections;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Management.Automation;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Writes evaluation results to a culture-invariant file (ISO 8601 UTC dates, '.' decimals, true/false,
    /// JSON for nested values, UTF-8), atomically: through a temporary file beside the target that replaces
    /// it only once complete. Three forms:
    /// <list type="bullet">
    /// <item>objects from the pipeline (the columns of the first object, as Export-Csv), CSV;</item>
    /// <item>-EvaluationRunId: reads the runs and writes their results straight to CSV or JSON Lines,
    /// without building PowerShell objects (the read is Get-WeaveEvalResult's, <see cref="EvalResultsRead"/>,
    /// row selection included);</item>
    /// <item>-StateFile: every run of a project that finished since the last export, one file per run, with a
    /// watermark kept in the state file (<see cref="ExportState"/>).</item>
    /// </list>
    /// </summary>
    [Cmdlet(VerbsData.Export, "WeaveEvalResult", DefaultParameterSetName = DefaultSet, SupportsShouldProcess = true)]
    [OutputType(typeof(FileInfo), ParameterSetName = new[] { RunSet, IncrementalSet })]
    public sealed class ExportWeaveEvalResultCommand : WeaveCmdlet
    {
        public const string DefaultSet = "Default";
        public const string RunSet = "EvaluationRunId";
        public const string IncrementalSet = "Incremental";

        private const string LateKeyReason = "the CSV header is written before the first row";

        private readonly RunIdGroups runs = new RunIdGroups();
        private RowSelectionBinding rows = RowSelectionBinding.All;
        private int unusableRunIds;
        private string? resolvedPath;
        private bool confirmed;

        // The pipeline form's file, open from the first object to EndProcessing.
        private ExportTarget? target;
        private InvariantCsvWriter? writer;
        private List<string>? columns;

        [Parameter(ParameterSetName = DefaultSet, Mandatory = true, Position = 0)]
        [Parameter(ParameterSetName = RunSet, Mandatory = true, Position = 0)]
        [Parameter(ParameterSetName = IncrementalSet, Mandatory = true, Position = 0, ValueFromPipelineByPropertyName = true)]
        [Alias("LiteralPath", "PSPath")]
        [ValidateNotNullOrEmpty]
        public string Path { get; set; } = string.Empty;

        [Parameter(ParameterSetName = DefaultSet, Mandatory = true, ValueFromPipeline = true)]
        [AllowNull]
        public PSObject? InputObject { get; set; }

        /// <summary>The runs whose results are written (also run objects or ids from the pipeline, by property name).</summary>
        [Parameter(ParameterSetName = RunSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EvaluationRunIdCompleter))]
        public string[] EvaluationRunId { get; set; } = Array.Empty<string>();

        /// <summary>The state file of an incremental export: its watermark and the runs exported.</summary>
        [Parameter(ParameterSetName = IncrementalSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string StateFile { get; set; } = string.Empty;

        /// <summary>On the first incremental export (no state file yet): only runs that finished at or after this time.</summary>
        [Parameter(ParameterSetName = IncrementalSet)]
        public DateTime Since { get; set; }

        [Parameter(ParameterSetName = RunSet)]
        [Parameter(ParameterSetName = IncrementalSet)]
        public ExportFormat Format { get; set; } = ExportFormat.Csv;

        /// <summary>utf8NoBOM (default; 'utf8' is the same, as in PowerShell 7) or utf8BOM, which Excel needs to show non-ASCII text of a double-clicked CSV.</summary>
        [Parameter]
        [ValidateSet("utf8", "utf8NoBOM", "utf8BOM", IgnoreCase = true)]
        public string Encoding { get; set; } = "utf8NoBOM";

        /// <summary>Add to the end of an existing file (CSV: in the columns of its header).</summary>
        [Parameter(ParameterSetName = DefaultSet)]
        [Parameter(ParameterSetName = RunSet)]
        public SwitchParameter Append { get; set; }

        /// <summary>Overwrite a read-only file.</summary>
        [Parameter(ParameterSetName = DefaultSet)]
        [Parameter(ParameterSetName = RunSet)]
        public SwitchParameter Force { get; set; }

        /// <summary>Refuse to overwrite an existing file.</summary>
        [Parameter(ParameterSetName = DefaultSet)]
        [Parameter(ParameterSetName = RunSet)]
        [Alias("NoOverwrite")]
        public SwitchParameter NoClobber { get; set; }

        /// <summary>Ask the server for each trial's predict cost (TotalCost).</summary>
        [Parameter(ParameterSetName = RunSet)]
        [Parameter(ParameterSetName = IncrementalSet)]
        public SwitchParameter IncludeCost { get; set; }

        /// <summary>Only rows that every given run evaluated (one combined query per project), as Get-WeaveEvalResult.</summary>
        [Parameter(ParameterSetName = RunSet)]
        public SwitchParameter RequireIntersection { get; set; }

        /// <summary>Only the rows that pass every filter, as Get-WeaveEvalResult -Filter.</summary>
        [Parameter(ParameterSetName = RunSet)]
        [ValidateNotNull]
        public IDictionary[]? Filter { get; set; }

        /// <summary>Only the rows whose first trial failed a true/false scorer of its run.</summary>
        [Parameter(ParameterSetName = RunSet)]
        public SwitchParameter FailedOnly { get; set; }

        /// <summary>Row order, as Get-WeaveEvalResult -SortBy.</summary>
        [Parameter(ParameterSetName = RunSet)]
        [ValidateNotNullOrEmpty]
        public string[]? SortBy { get; set; }

        /// <summary>Sort largest first (with -SortBy).</summary>
        [Parameter(ParameterSetName = RunSet)]
        public SwitchParameter Descending { get; set; }

        /// <summary>Requests running at once (as for Get-WeaveEvalResult; more by default, as nothing waits for PowerShell objects).</summary>
        [Parameter(ParameterSetName = RunSet)]
        [Parameter(ParameterSetName = IncrementalSet)]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = PagingOptions.DirectExportPagesInFlight;

        /// <summary>Rows per request (default: a small first page, then pages of a few MB).</summary>
        [Parameter(ParameterSetName = RunSet)]
        [Parameter(ParameterSetName = IncrementalSet)]
        [ValidateRange(1, 10000)]
        public int PageSize { get; set; }

        private bool ByteOrderMark => string.Equals(Encoding, "utf8BOM", StringComparison.OrdinalIgnoreCase);

        private string Extension => Format == ExportFormat.JsonLines ? ".jsonl" : ".csv";

        protected override void BeginProcessing()
        {
            if (ParameterSetName == IncrementalSet) return;
            if (ParameterSetName == RunSet) rows = RowSelectionBinding.Bind(this, Filter, SortBy, Descending, FailedOnly);
            resolvedPath = GetUnresolvedProviderPathFromPSPath(Path);
            confirmed = ShouldProcess(resolvedPath, Append ? "Append evaluation results" : "Export evaluation results");
            if (!confirmed) return;
            if (NoClobber && !Append && File.Exists(resolvedPath))
            {
                var exists = new IOException($"The file '{resolvedPath}' already exists (-NoClobber).");
                ThrowTerminatingError(new ErrorRecord(exists, "WeaveEval.FileExists", ErrorCategory.ResourceExists, resolvedPath));
            }
        }

        protected override void ProcessRecord()
        {
            switch (ParameterSetName)
            {
                case RunSet:
                    if (!confirmed) return;
                    var connection = ResolveConnection();
                    var usable = EvaluationRunId.Where(id => !WriteErrorIfUnusable(id, "evaluation run id")).ToList();
                    unusableRunIds += EvaluationRunId.Length - usable.Count;
                    runs.Add(connection, usable);
                    return;
                case IncrementalSet:
                    ExportIncrementally();
                    return;
                default:
                    WriteObjectRow();
                    return;
            }
        }

        protected override void EndProcessing()
        {
            switch (ParameterSetName)
            {
                case RunSet:
                    if (confirmed) ExportRuns();
                    return;
                case IncrementalSet:
                    return;
                default:
                    if (!confirmed) return;
                    if (writer == null) OpenObjectFile(null);
                    Guard(resolvedPath!, () =>
                    {
                        // What the writer holds goes into the file's stream before the file is put in place.
                        writer!.Flush();
                        target!.Commit();
                    });
                    CloseObjectFile();
                    return;
            }
        }

        protected override void DisposeResources() => CloseObjectFile();

        // ---- -EvaluationRunId: one file of the results of every run given --------------------------------

        private void ExportRuns()
        {
            var path = resolvedPath!;
            var read = NewRead(runs);
            EvalResultWriter? file = null;
            try
            {
                MakeWritable(path);
                file = Guard(path, () => EvalResultWriter.Create(Format, ExportTarget.Open(path, Append, ByteOrderMark, Format == ExportFormat.Csv), read.Columns, LateKeys(read), WriteWarning));
                WriteAll(read, file);
                // A run id that names nothing is a run missing from the file as much as one that failed.
                var failures = read.Failures + unusableRunIds;
                if (failures > 0)
                {
                    WriteNotWritten(path, failures);
                    return;
                }
                WriteObject(Guard(path, file.Commit));
            }
            finally
            {
                file?.Dispose();
            }
        }

        // ---- -StateFile: every run of the project that finished since the last export ------------------

        private void ExportIncrementally()
        {
            var connection = ResolveConnection();
            var statePath = GetUnresolvedProviderPathFromPSPath(StateFile);
            var folder = GetUnresolvedProviderPathFromPSPath(Path);
            ExportState state;
            bool isNew;
            try
            {
                var loaded = ExportState.Load(statePath, connection.Entity, connection.Project);
                isNew = loaded == null;
                state = loaded ?? ExportState.Start(connection.Entity, connection.Project, MyInvocation.BoundParameters.ContainsKey(nameof(Since)) ? Since : (DateTime?)null);
            }
            catch (WeaveException ex)
            {
                WriteError(ErrorRecordFor(ex, statePath));
                return;
            }
            if (!isNew && MyInvocation.BoundParameters.ContainsKey(nameof(Since)))
            {
                WriteVerbose($"-Since is not used: the state file '{statePath}' says where the last export stopped ({Describe(state.Watermark)}).");
            }
            if (!ShouldProcess(folder, $"Export the evaluation runs of {connection.Entity}/{connection.Project} finished since {Describe(state.Watermark)}")) return;

            var client = CreateClient(connection);
            var due = new List<EvaluationRun>();
            try
            {
                ForEach(client.ListEvaluationRunsAsync(new RunListQuery(), CancellationToken), run =>
                {
                    if (state.IsDue(run)) due.Add(run);
                    return true;
                });
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException) && !(ex is PipelineClosedException))
            {
                ReportFailure(ex, $"{connection.Entity}/{connection.Project}");
                return;
            }
            WriteVerbose($"{due.Count} evaluation run(s) of {connection.Entity}/{connection.Project} to export to '{folder}'.");
            if (due.Count == 0)
            {
                if (isNew) Guard(statePath, () => state.Save(statePath));
                return;
            }
            Guard(folder, () => Directory.CreateDirectory(folder));

            // Oldest first, so that the watermark can follow the exports; it stops below the first failure.
            var advance = true;
            foreach (var run in due.OrderBy(r => r.FinishedAt!.Value).ThenBy(r => r.EvaluationRunId, StringComparer.Ordinal))
            {
                var exported = ExportRun(connection, run, System.IO.Path.Combine(folder, run.EvaluationRunId + Extension));
                if (exported == null)
                {
                    advance = false;
                    continue;
                }
                // The data file is on disk (flushed and renamed) before the state says so: a crash in between
                // only means the run is exported again next time, to the same file name.
                state.Record(run.EvaluationRunId, run.FinishedAt!.Value, advance);
                Guard(statePath, () => state.Save(statePath));
                WriteObject(exported);
            }
        }

        /// <summary>Writes one run's file; null (errors reported) when the run could not be read whole.</summary>
        private FileInfo? ExportRun(ResolvedConnection connection, EvaluationRun run, string path)
        {
            var one = new RunIdGroups();
            one.Add(connection, new[] { run.EvaluationRunId });
            var read = NewRead(one);
            using (var file = Guard(path, () => EvalResultWriter.Create(Format, ExportTarget.Open(path, append: false, ByteOrderMark, readCsvHeader: false), read.Columns, LateKeys(read), WriteWarning)))
            {
                WriteAll(read, file);
                if (read.Failures > 0)
                {
                    WriteNotWritten(path, read.Failures);
                    return null;
                }
                return Guard(path, file.Commit);
            }
        }

        /// <summary>Writes every result of the read: one by one until the columns are fixed, then as the pages format them.</summary>
        private static void WriteAll(EvalResultsRead read, EvalResultWriter file) => read.Read(() => { }, result =>
        {
            file.Write(result);
            return true;
        }, file);

        private EvalResultsRead NewRead(RunIdGroups groups) => new EvalResultsRead(this, groups, new EvalResultsReadOptions
        {
            QueryFor = QueryFor,
            RequireIntersection = RequireIntersection.IsPresent,
            Rows = rows,
            ThrottleLimit = ThrottleLimit,
            PageSize = MyInvocation.BoundParameters.ContainsKey(nameof(PageSize)) ? PageSize : (int?)null,
        });

        private EvalResultsQuery QueryFor(IReadOnlyList<string> ids) => new EvalResultsQuery
        {
            RunIds = ids,
            RequireIntersection = RequireIntersection.IsPresent,
            IncludeCosts = IncludeCost.IsPresent,
        };

        private static Action<EvalResult, List<string>?> LateKeys(EvalResultsRead read) =>
            (result, keys) => read.WarnLateKeys(result, keys, LateKeyReason);

        private void WriteNotWritten(string path, int failures)
        {
            var what = File.Exists(path) ? "it keeps its previous content" : "it was not created";
            var incomplete = new IOException($"Nothing was written to '{path}' ({what}): {failures} failure(s) reading the evaluation results, reported above. Run the command again once they are resolved.");
            WriteError(new ErrorRecord(incomplete, "WeaveEval.ExportIncomplete", ErrorCategory.WriteError, path));
        }

        private static string Describe(DateTime? time) =>
            time.HasValue ? time.Value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", System.Globalization.CultureInfo.InvariantCulture) : "the beginning";

        // ---- objects from the pipeline ---------------------------------------------------------------------

        private void WriteObjectRow()
        {
            if (!confirmed || InputObject == null) return;
            if (writer == null) OpenObjectFile(InputObject);
            var row = InputObject;
            foreach (var name in columns!) writer!.WriteValue(row.Properties[name]?.Value);
            writer!.EndRecord();
        }

        /// <summary>
        /// Opens the file; the header comes from the first object, or, when appending to a file that
        /// has one, from that file's header.
        /// </summary>
        private void OpenObjectFile(PSObject? first)
        {
            var path = resolvedPath!;
            MakeWritable(path);
            target = Guard(path, () => ExportTarget.Open(path, Append, ByteOrderMark, readCsvHeader: true));
            writer = new InvariantCsvWriter(target.Stream);
            if (!target.EndsWithLineBreak) writer.LineBreak();
            columns = target.ExistingHeader ?? ColumnsOf(first);
            if (target.ExistingHeader == null && columns.Count > 0) writer.WriteRecord(columns);
        }

        /// <summary>The properties Export-Csv would write, in its order.</summary>
        private static List<string> ColumnsOf(PSObject? first)
        {
            var names = new List<string>();
            if (first == null) return names;
            foreach (var property in first.Properties)
            {
                if (property.IsGettable) names.Add(property.Name);
            }
            return names;
        }

        private void CloseObjectFile()
        {
            writer?.Dispose();
            writer = null;
            target?.Dispose();
            target = null;
        }

        // ---- files -----------------------------------------------------------------------------------------

        /// <summary>With -Force, clears the read-only attribute of an existing file so that it can be replaced.</summary>
        private void MakeWritable(string path)
        {
            if (!Force || !File.Exists(path)) return;
            Guard(path, () =>
            {
                var attributes = File.GetAttributes(path);
                if ((attributes & FileAttributes.ReadOnly) != 0) File.SetAttributes(path, attributes & ~FileAttributes.ReadOnly);
            });
        }

        /// <summary>Runs a file operation; a file system failure stops the command (WeaveEval.FileWriteFailed, naming the file).</summary>
        private T Guard<T>(string path, Func<T> operation)
        {
            try
            {
                return operation();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException || ex is System.Security.SecurityException)
            {
                ThrowTerminatingError(new ErrorRecord(ex, "WeaveEval.FileWriteFailed", ErrorCategory.WriteError, path));
                throw;
            }
        }

        private void Guard(string path, Action operation) => Guard(path, () =>
        {
            operation();
            return true;
        });
    }
}
