using System;
using System.Collections;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Per-trial results of one or more evaluation runs, each with its run's model, evaluation and display
    /// names and flat <c>Input.*</c> and <c>Score.*</c> columns for export. The runs go through one paging
    /// engine (<see cref="PagedReader"/>): written in input order, the results of one run together, with
    /// up to -ThrottleLimit requests running ahead. With -RequireIntersection the runs of a project are
    /// read with one combined query. -Filter, -FailedOnly and -SortBy select and order the rows on the
    /// server (<see cref="RowSelection"/>).
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "WeaveEvalResult", DefaultParameterSetName = DefaultSet, SupportsPaging = true)]
    [OutputType(typeof(EvalResult))]
    public sealed class GetWeaveEvalResultCommand : WeaveCmdlet
    {
        public const string DefaultSet = "Default";

        private const int ProgressActivityId = 1;
        private const string ProgressActivity = "Reading evaluation results";

        private readonly RunIdGroups runs = new RunIdGroups();
        private readonly EvalResultColumns columns = new EvalResultColumns();
        private PageCounter? pager;
        private RowSelection selection = RowSelection.All;
        private long trialsWritten;
        private long? trialTotal = 0;
        private bool progressShown;

        [Parameter(ParameterSetName = DefaultSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EvaluationRunIdCompleter))]
        public string[] EvaluationRunId { get; set; } = Array.Empty<string>();

        /// <summary>Only rows that every given run evaluated (one combined query).</summary>
        [Parameter]
        public SwitchParameter RequireIntersection { get; set; }

        /// <summary>Leave out the dataset rows (Inputs is null, no Input.* columns).</summary>
        [Parameter]
        public SwitchParameter NoInputs { get; set; }

        /// <summary>Keep dataset-row refs (DatasetRowRef) instead of resolving them to the rows.</summary>
        [Parameter]
        public SwitchParameter NoResolve { get; set; }

        /// <summary>Ask the server for each trial's predict cost (TotalCost).</summary>
        [Parameter]
        public SwitchParameter IncludeCost { get; set; }

        /// <summary>Only the rows that pass every filter (hashtables such as @{ Scorer = 'correct'; Value = $false }).</summary>
        [Parameter]
        [ValidateNotNull]
        public IDictionary[]? Filter { get; set; }

        /// <summary>Only the rows whose first trial failed a true/false scorer of its run.</summary>
        [Parameter]
        public SwitchParameter FailedOnly { get; set; }

        /// <summary>Row order: scorers ('similarity'), 'Input.x', 'Output[.x]', or 'Difference:scorer'.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string[]? SortBy { get; set; }

        /// <summary>Sort largest first (with -SortBy).</summary>
        [Parameter]
        public SwitchParameter Descending { get; set; }

        /// <summary>
        /// Requests running at once: pages of the run being written (once its first page has said how
        /// many rows it has) and the first pages of the runs after it. The output keeps the input order.
        /// </summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = PagingOptions.DefaultPagesInFlight;

        /// <summary>Rows per request (default: a small first page, then pages of a few MB).</summary>
        [Parameter]
        [ValidateRange(1, 10000)]
        public int PageSize { get; set; }

        protected override void BeginProcessing()
        {
            pager = new PageCounter(PagingParameters);
            try
            {
                selection = RowSelectionBinding.Create(Filter, SortBy, Descending, FailedOnly);
            }
            catch (WeaveException ex)
            {
                ThrowTerminatingError(ErrorRecordFor(ex, ex.ErrorId == RowSelection.InvalidSortId ? (object?)SortBy : Filter));
            }
        }

        protected override void ProcessRecord()
        {
            var connection = ResolveConnection();
            runs.Add(connection, EvaluationRunId.Where(id => !WriteErrorIfUnusable(id, "evaluation run id")));
        }

        protected override void EndProcessing()
        {
            CheckSelection();
            // The run checks, the summaries (the Score.* columns), the input probes (the Input.* columns)
            // and the first pages do not depend on each other: they all go out before anything is awaited.
            var groups = runs.Groups.Where(g => g.Ids.Count > 0).Select(g => new GroupRead(g, CreateClient(g.Connection))).ToList();
            var runCount = groups.Sum(g => g.Group.Ids.Count);
            foreach (var group in groups)
            {
                var ids = group.Group.Ids.ToArray();
                group.Found = group.Client.ReadEvaluationRunsAsync(ids, CancellationToken);
                group.Summary = group.Client.QueryEvalSummaryAsync(ids, RequireIntersection, CancellationToken);
                // One run's input fields come with its first result; several runs' may differ, and every
                // one of them needs its column before the first object is written.
                if (runCount > 1 && !NoInputs) group.InputKeys = group.Client.ReadInputKeysAsync(ids, !NoResolve, ThrottleLimit, CancellationToken);
            }
            // A combined query of an unknown run has no rows at all: its ids must be checked first. -FailedOnly
            // needs the summary (which scores are true/false) before its first request.
            if (RequireIntersection || FailedOnly) foreach (var group in groups) CheckRuns(group);
            if (FailedOnly) foreach (var group in groups) LearnColumns(group);

            var reads = new List<RunRead>();
            foreach (var group in groups)
            {
                if (RequireIntersection)
                {
                    if (group.Group.Ids.Count > 0 && !group.Failed) AddRead(reads, group, group.Group.Ids.ToArray());
                }
                else
                {
                    foreach (var id in group.Group.Ids) AddRead(reads, group, new[] { id });
                }
            }
            var options = PagingOptions.ForEvalResults(MyInvocation.BoundParameters.ContainsKey(nameof(PageSize)) ? PageSize : (int?)null, pager!.Remaining, ThrottleLimit);
            var steps = PagedReader.ReadAsync(reads.Select(r => r.Group.Client.EvalResultsList(QueryFor(r.Ids, r.Selection))).ToList(), options, CancellationToken)
                .GetAsyncEnumerator(CancellationToken);
            try
            {
                var first = steps.MoveNextAsync();
                foreach (var group in groups)
                {
                    if (!RequireIntersection) CheckRuns(group);
                    LearnColumns(group);
                }
                if (PagingParameters.IncludeTotalCount)
                {
                    WriteObject(PagingParameters.NewTotalCount((ulong)(trialTotal ?? 0), trialTotal.HasValue ? 1.0 : 0.0));
                }
                for (var more = Await(first); more && !pager.Done; more = Await(steps.MoveNextAsync()))
                {
                    Write(reads[steps.Current.List], steps.Current);
                }
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException) && !(ex is PipelineClosedException))
            {
                ReportFailure(ex, null);
            }
            finally
            {
                Await(steps.DisposeAsync().AsTask());
                if (progressShown) WriteProgress(new ProgressRecord(ProgressActivityId, ProgressActivity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        /// <summary>
        /// The selection against the queries the call will send, before any request: a filter's RunId must
        /// be read in every query, and a difference sort needs several runs in one (-RequireIntersection).
        /// </summary>
        private void CheckSelection()
        {
            if (selection.IsEmpty) return;
            try
            {
                foreach (var group in runs.Groups.Where(g => g.Ids.Count > 0))
                {
                    if (RequireIntersection) selection.CheckRuns(group.Ids.ToArray());
                    else foreach (var id in group.Ids) selection.CheckRuns(new[] { id });
                }
            }
            catch (WeaveException ex)
            {
                ThrowTerminatingError(ErrorRecordFor(ex, ex.ErrorId == RowSelection.InvalidSortId ? (object?)SortBy : Filter));
            }
        }

        /// <summary>A query of the runs; with -FailedOnly, of their true/false scores, and none when they have none.</summary>
        private void AddRead(List<RunRead> reads, GroupRead group, IReadOnlyList<string> ids)
        {
            if (!FailedOnly)
            {
                reads.Add(new RunRead(group, ids, selection));
                return;
            }
            if (group.Failed || group.SummaryResult == null) return;
            var forFailures = selection.ForFailures(RowSelectionBinding.BinaryScores(group.SummaryResult, ids.ToList()));
            if (forFailures == null)
            {
                var which = ids.Count == 1 ? "Run " + ids[0] + " has" : "The runs " + string.Join(", ", ids) + " have";
                WriteWarning($"{which} no true/false score: -FailedOnly selects none of its rows.");
                return;
            }
            reads.Add(new RunRead(group, ids, forFailures));
        }

        /// <summary>Reports the ids of the group that name no run (NotFound) and keeps the runs' names for the results.</summary>
        private void CheckRuns(GroupRead group)
        {
            if (group.Runs != null || group.Failed) return;
            try
            {
                group.Runs = Await(group.Found!);
                foreach (var id in group.Group.KeepKnown(group.Runs)) WriteNotFound("Evaluation run", id, group.Group.Connection);
            }
            catch (Exception ex)
            {
                group.Failed = true;
                ReportFailure(ex, Target(group.Group.Ids));
            }
        }

        /// <summary>The summary's scorer dimensions are the Score.* columns and its trial counts the progress total.</summary>
        private void LearnColumns(GroupRead group)
        {
            if (group.Failed || group.Group.Ids.Count == 0 || group.SummaryResult != null) return;
            try
            {
                var summary = Await(group.Summary!);
                group.SummaryResult = summary;
                columns.AddScorers(summary.ScorerNames);
                AddTrialTotal(group.Group.Ids, summary);
                if (group.InputKeys != null) columns.AddInputs(Await(group.InputKeys));
            }
            catch (Exception ex)
            {
                group.Failed = true;
                ReportFailure(ex, Target(group.Group.Ids));
            }
        }

        private EvalResultsQuery QueryFor(IReadOnlyList<string> ids, RowSelection rows) => new EvalResultsQuery
        {
            RunIds = ids,
            RequireIntersection = RequireIntersection.IsPresent,
            IncludeInputs = !NoInputs.IsPresent,
            ResolveRowRefs = !NoResolve.IsPresent,
            IncludeCosts = IncludeCost.IsPresent,
            Selection = rows,
        };

        private void AddTrialTotal(IReadOnlyList<string> ids, EvalSummaryResult summary)
        {
            var perRun = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var stat in summary.Stats)
            {
                if (!perRun.ContainsKey(stat.EvaluationRunId)) perRun.Add(stat.EvaluationRunId, stat.EvaluationTrialCount);
            }
            // A run missing from the summary has no trials or only unscored ones: its count is unknown. The
            // summary counts every row, so with filters only the rows' count (each page's total) is known.
            if (selection.LeavesRowsOut) trialTotal = null;
            else if (ids.All(perRun.ContainsKey)) trialTotal += ids.Sum(id => perRun[id]);
            else trialTotal = null;
        }

        private void Write(RunRead read, PagedItem<EvalRow> step)
        {
            if (read.Group.Failed) return;
            if (step.Failure != null)
            {
                ReportFailure(step.Failure, Target(read.Ids));
                return;
            }
            if (step.IsPageEnd)
            {
                ShowProgress(read.Ids, step.ItemsDone, step.TotalItems ?? step.ItemsDone);
                return;
            }
            foreach (var result in step.Item.Results)
            {
                if (pager!.Done || !pager.Take()) continue;
                if (read.Group.Runs != null && read.Group.Runs.TryGetValue(result.EvaluationRunId, out var run))
                {
                    result.ModelName = run.ModelName;
                    result.EvaluationName = run.EvaluationName;
                    result.DisplayName = run.DisplayName;
                }
                WriteObject(Flatten(result));
                trialsWritten++;
            }
        }

        private PSObject Flatten(EvalResult result)
        {
            columns.FixFrom(result);
            var wrapped = columns.Flatten(result, out var newKeys);
            if (newKeys != null)
            {
                foreach (var key in newKeys)
                {
                    WriteWarning($"'{key}' first appears in trial {result.PredictAndScoreCallId}, after output began: it has no column of its own (Export-Csv takes its columns from the first object). The value is in .Scores/.Inputs.");
                }
            }
            return wrapped;
        }

        /// <summary>Progress only for work of more than one page; percent from the summary's trial total when known.</summary>
        private void ShowProgress(IReadOnlyList<string> ids, long rowsDone, long totalRows)
        {
            if (!progressShown && rowsDone >= totalRows) return;
            progressShown = true;
            var run = ids.Count == 1 ? $"run {ids[0]}" : $"{ids.Count} runs";
            var status = trialTotal.HasValue
                ? $"{trialsWritten} of {trialTotal} trials ({run}: {rowsDone} of {totalRows} rows)"
                : $"{trialsWritten} trials ({run}: {rowsDone} of {totalRows} rows)";
            var record = new ProgressRecord(ProgressActivityId, ProgressActivity, status);
            if (trialTotal > 0) record.PercentComplete = (int)Math.Min(100, trialsWritten * 100 / trialTotal.Value);
            else if (totalRows > 0) record.PercentComplete = (int)Math.Min(100, rowsDone * 100 / totalRows);
            WriteProgress(record);
        }

        /// <summary>The error record's target: the run id, or the ids of a combined query.</summary>
        private static object Target(IReadOnlyList<string> ids) => ids.Count == 1 ? ids[0] : (object)ids.ToArray();

        /// <summary>The runs of one project in the call, with the requests that prepare their output.</summary>
        private sealed class GroupRead
        {
            public GroupRead(RunIdGroup group, WeaveClient client)
            {
                Group = group;
                Client = client;
            }

            public RunIdGroup Group { get; }

            public WeaveClient Client { get; }

            public Task<IReadOnlyDictionary<string, EvaluationRun>>? Found { get; set; }

            public Task<EvalSummaryResult>? Summary { get; set; }

            /// <summary>The summary once awaited (the Score.* columns learnt).</summary>
            public EvalSummaryResult? SummaryResult { get; set; }

            public Task<IReadOnlyList<string>>? InputKeys { get; set; }

            /// <summary>The runs the server knows, by id, once checked.</summary>
            public IReadOnlyDictionary<string, EvaluationRun>? Runs { get; set; }

            /// <summary>Preparing the group failed (reported): its results are not written.</summary>
            public bool Failed { get; set; }
        }

        /// <summary>One eval_results list of the call: one run, or (with -RequireIntersection) the runs of one project.</summary>
        private sealed class RunRead
        {
            public RunRead(GroupRead group, IReadOnlyList<string> ids, RowSelection selection)
            {
                Group = group;
                Ids = ids;
                Selection = selection;
            }

            public GroupRead Group { get; }

            public IReadOnlyList<string> Ids { get; }

            public RowSelection Selection { get; }
        }
    }
}
