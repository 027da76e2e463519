using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>How <see cref="EvalResultsRead"/> reads: what the user asked for on the cmdlet.</summary>
    internal sealed class EvalResultsReadOptions
    {
        /// <summary>The query of one eval_results list (one run, or the runs of one project with RequireIntersection).</summary>
        public Func<IReadOnlyList<string>, EvalResultsQuery> QueryFor { get; set; } = ids => new EvalResultsQuery { RunIds = ids };

        public bool RequireIntersection { get; set; }

        /// <summary>Which rows, in which order (-Filter, -FailedOnly, -SortBy, -Descending).</summary>
        public RowSelectionBinding Rows { get; set; } = RowSelectionBinding.All;

        /// <summary>Probe the input fields of every run first, so that the Input.* columns are the union over the runs.</summary>
        public bool ProbeInputs { get; set; } = true;

        public bool ResolveRowRefs { get; set; } = true;

        public int ThrottleLimit { get; set; } = PagingOptions.DefaultPagesInFlight;

        /// <summary>-PageSize, when given.</summary>
        public int? PageSize { get; set; }

        /// <summary>-First/-Skip: most results still wanted (null: all).</summary>
        public long? MaximumItems { get; set; }
    }

    /// <summary>
    /// A caller of <see cref="EvalResultsRead"/> that makes what it needs of each row on the row's page task,
    /// as the page arrives, instead of when the row's turn comes: the direct export formats the row's lines
    /// there, so that the pages in flight are formatted while the writer still waits for an earlier one.
    /// </summary>
    internal interface IRowPreparation
    {
        /// <summary>
        /// What prepares the rows of a page that starts now (called on any thread; the rows' results carry
        /// their run's names by then), or null while rows cannot be prepared yet: that page's results are
        /// taken one by one.
        /// </summary>
        Action<EvalRow>? StartPage();

        /// <summary>Takes a prepared row, in order.</summary>
        void Take(EvalRow row);
    }

    /// <summary>
    /// The one reading of the results of many runs, shared by Get-WeaveEvalResult (which emits objects) and
    /// Export-WeaveEvalResult (which writes rows straight to a file): checks that the runs exist, learns the
    /// flat columns from the summaries (Score.*) and input probes (Input.*) before the first result, reads
    /// every run's pages through one <see cref="PagedReader"/> (in input order, up to -ThrottleLimit
    /// requests ahead), gives each result its run's names, shows progress and reports failures.
    /// </summary>
    internal sealed class EvalResultsRead
    {
        private const int ProgressActivityId = 1;
        private const string ProgressActivity = "Reading evaluation results";

        private readonly WeaveCmdlet cmdlet;
        private readonly RunIdGroups runs;
        private readonly EvalResultsReadOptions options;
        private long resultsRead;
        private bool progressShown;

        public EvalResultsRead(WeaveCmdlet cmdlet, RunIdGroups runs, EvalResultsReadOptions options)
        {
            this.cmdlet = cmdlet;
            this.runs = runs;
            this.options = options;
        }

        /// <summary>The flat columns; complete once <c>columnsKnown</c> has been called and the first result taken.</summary>
        public EvalResultColumns Columns { get; } = new EvalResultColumns();

        /// <summary>Trials of every run by the summaries (null when a run's count is unknown).</summary>
        public long? TrialTotal { get; private set; } = 0;

        /// <summary>Failures reported (as errors) so far: unknown runs, runs that could not be read.</summary>
        public int Failures { get; private set; }

        /// <summary>
        /// Reads every run: calls <paramref name="columnsKnown"/> once the runs are checked and the columns
        /// learnt, then <paramref name="take"/> for each result, in order, until it returns false. Rows that
        /// <paramref name="preparation"/> prepared go to its <see cref="IRowPreparation.Take"/> instead.
        /// </summary>
        public void Read(Action columnsKnown, Func<EvalResult, bool> take, IRowPreparation? preparation = null)
        {
            var selection = options.Rows.Selection;
            foreach (var ids in QueryRunIds()) options.Rows.CheckRuns(cmdlet, ids);
            // The run checks, the summaries (the Score.* columns), the input probes (the Input.* columns)
            // and the first pages do not depend on each other: they all go out before anything is awaited.
            var token = cmdlet.CancellationToken;
            var groups = runs.Groups.Where(g => g.Ids.Count > 0).Select(g => new GroupRead(g, cmdlet.CreateClient(g.Connection))).ToList();
            var runCount = groups.Sum(g => g.Group.Ids.Count);
            foreach (var group in groups)
            {
                var ids = group.Group.Ids.ToArray();
                group.Found = group.Client.ReadEvaluationRunsAsync(ids, token);
                group.Summary = group.Client.QueryEvalSummaryAsync(ids, options.RequireIntersection, token);
                // One run's input fields come with its first result; several runs' may differ, and every
                // one of them needs its column before the first result is written.
                if (runCount > 1 && options.ProbeInputs) group.InputKeys = group.Client.ReadInputKeysAsync(ids, options.ResolveRowRefs, options.ThrottleLimit, token);
            }
            // A combined query of an unknown run has no rows at all: its ids must be checked first. -FailedOnly
            // needs the summary (which scores are true/false) before its first request.
            if (options.RequireIntersection || selection.FailedOnly) foreach (var group in groups) CheckRuns(group);
            if (selection.FailedOnly) foreach (var group in groups) LearnColumns(group);

            var reads = new List<RunRead>();
            foreach (var group in groups)
            {
                // A combined query is only sent once its runs are known to exist (checked above).
                if (options.RequireIntersection && group.Failed) continue;
                foreach (var ids in QueriesOf(group.Group)) AddRead(reads, group, ids);
            }
            var paging = PagingOptions.ForEvalResults(options.PageSize, options.MaximumItems, options.ThrottleLimit);
            var steps = PagedReader.ReadAsync(reads.Select(r => ListOf(r, preparation)).ToList(), paging, token)
                .GetAsyncEnumerator(token);
            try
            {
                var first = steps.MoveNextAsync();
                foreach (var group in groups)
                {
                    if (!options.RequireIntersection) CheckRuns(group);
                    LearnColumns(group);
                }
                columnsKnown();
                for (var more = cmdlet.Await(first); more && Hand(reads[steps.Current.List], steps.Current, take, preparation); more = cmdlet.Await(steps.MoveNextAsync()))
                {
                }
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException) && !(ex is PipelineClosedException))
            {
                Fail(ex, null);
            }
            finally
            {
                cmdlet.Await(steps.DisposeAsync().AsTask());
                if (progressShown) cmdlet.WriteProgress(new ProgressRecord(ProgressActivityId, ProgressActivity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        /// <summary>
        /// Warns about keys that first appear after output began: they have no column of their own because
        /// the columns were fixed by the first result (<paramref name="why"/> says who needed them then).
        /// </summary>
        public void WarnLateKeys(EvalResult result, List<string>? newKeys, string why)
        {
            if (newKeys == null) return;
            foreach (var key in newKeys)
            {
                cmdlet.WriteWarning($"'{key}' first appears in trial {result.PredictAndScoreCallId}, after output began: it has no column of its own ({why}). The value is in .Scores/.Inputs.");
            }
        }

        /// <summary>The run ids of each query the call will send: one run, or (RequireIntersection) the runs of one project.</summary>
        private IEnumerable<IReadOnlyList<string>> QueryRunIds() => runs.Groups.SelectMany(QueriesOf);

        /// <summary>The run ids of each query of one project's runs.</summary>
        private IEnumerable<IReadOnlyList<string>> QueriesOf(RunIdGroup group)
        {
            if (group.Ids.Count == 0) return Array.Empty<IReadOnlyList<string>>();
            return options.RequireIntersection
                ? new[] { (IReadOnlyList<string>)group.Ids.ToArray() }
                : group.Ids.Select(id => (IReadOnlyList<string>)new[] { id });
        }

        /// <summary>A query of the runs; with -FailedOnly, of their true/false scores, and none when they have none.</summary>
        private void AddRead(List<RunRead> reads, GroupRead group, IReadOnlyList<string> ids)
        {
            var selection = options.Rows.Selection;
            if (!selection.FailedOnly)
            {
                reads.Add(new RunRead(group, ids, selection));
                return;
            }
            if (group.Failed || group.SummaryResult == null) return;
            var forFailures = selection.ForFailures(RowSelectionBinding.BinaryScores(group.SummaryResult, ids.ToList()));
            if (forFailures == null)
            {
                var which = ids.Count == 1 ? "Run " + ids[0] + " has" : "The runs " + string.Join(", ", ids) + " have";
                cmdlet.WriteWarning($"{which} no true/false score: -FailedOnly selects none of its rows.");
                return;
            }
            reads.Add(new RunRead(group, ids, forFailures));
        }

        /// <summary>The eval_results list of one read; its pages name and prepare their rows as they arrive when <paramref name="preparation"/> is ready.</summary>
        private PagedList<EvalRow> ListOf(RunRead read, IRowPreparation? preparation)
        {
            var query = options.QueryFor(read.Ids);
            query.Selection = read.Selection;
            var list = read.Group.Client.EvalResultsList(query);
            if (preparation != null)
            {
                list.PreparePage = () =>
                {
                    var prepare = preparation.StartPage();
                    if (prepare == null) return null;
                    return row =>
                    {
                        foreach (var result in row.Results) Name(read, result);
                        prepare(row);
                    };
                };
            }
            return list;
        }

        /// <summary>Gives the result its run's names (model, evaluation, display name), once the run has been checked.</summary>
        private static void Name(RunRead read, EvalResult result)
        {
            if (read.Group.Runs != null && read.Group.Runs.TryGetValue(result.EvaluationRunId, out var run))
            {
                result.ModelName = run.ModelName;
                result.EvaluationName = run.EvaluationName;
                result.DisplayName = run.DisplayName;
            }
        }

        /// <summary>Hands one step to the caller; false when the caller wants no more.</summary>
        private bool Hand(RunRead read, PagedItem<EvalRow> step, Func<EvalResult, bool> take, IRowPreparation? preparation)
        {
            if (read.Group.Failed) return true;
            if (step.Failure != null)
            {
                Fail(step.Failure, Target(read.Ids));
                return true;
            }
            if (step.IsPageEnd)
            {
                ShowProgress(read.Ids, step.ItemsDone, step.TotalItems ?? step.ItemsDone);
                return true;
            }
            if (step.Item.Prepared != null)
            {
                resultsRead += step.Item.Trials;
                preparation!.Take(step.Item);
                return true;
            }
            foreach (var result in step.Item.Results)
            {
                Name(read, result);
                resultsRead++;
                if (!take(result)) return false;
            }
            return true;
        }

        /// <summary>Reports the ids of the group that name no run (NotFound) and keeps the runs' names for the results.</summary>
        private void CheckRuns(GroupRead group)
        {
            if (group.Runs != null || group.Failed) return;
            try
            {
                group.Runs = cmdlet.Await(group.Found!);
                foreach (var id in group.Group.KeepKnown(group.Runs))
                {
                    Failures++;
                    cmdlet.WriteNotFound("Evaluation run", id, group.Group.Connection);
                }
            }
            catch (Exception ex)
            {
                group.Failed = true;
                Fail(ex, Target(group.Group.Ids));
            }
        }

        /// <summary>The summary's scorer dimensions are the Score.* columns and its trial counts the progress total.</summary>
        private void LearnColumns(GroupRead group)
        {
            if (group.Failed || group.Group.Ids.Count == 0 || group.SummaryResult != null) return;
            try
            {
                var summary = cmdlet.Await(group.Summary!);
                group.SummaryResult = summary;
                Columns.AddScorers(summary.ScorerNames);
                AddTrialTotal(group.Group.Ids, summary);
                if (group.InputKeys != null) Columns.AddInputs(cmdlet.Await(group.InputKeys));
            }
            catch (Exception ex)
            {
                group.Failed = true;
                Fail(ex, Target(group.Group.Ids));
            }
        }

        private void Fail(Exception exception, object? target)
        {
            Failures++;
            cmdlet.ReportFailure(exception, target);
        }

        private void AddTrialTotal(IReadOnlyList<string> ids, EvalSummaryResult summary)
        {
            var perRun = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var stat in summary.Stats)
            {
                if (!perRun.ContainsKey(stat.EvaluationRunId)) perRun.Add(stat.EvaluationRunId, stat.EvaluationTrialCount);
            }
            // A run missing from the summary has no trials or only unscored ones: its count is unknown. The
            // summary counts every row, so with filters only the rows' count (each page's total) is known.
            if (options.Rows.Selection.LeavesRowsOut) TrialTotal = null;
            else if (ids.All(perRun.ContainsKey)) TrialTotal += ids.Sum(id => perRun[id]);
            else TrialTotal = null;
        }

        /// <summary>Progress only for work of more than one page; percent from the summary's trial total when known.</summary>
        private void ShowProgress(IReadOnlyList<string> ids, long rowsDone, long totalRows)
        {
            if (!progressShown && rowsDone >= totalRows) return;
            progressShown = true;
            var run = ids.Count == 1 ? $"run {ids[0]}" : $"{ids.Count} runs";
            var status = TrialTotal.HasValue
                ? $"{resultsRead} of {TrialTotal} trials ({run}: {rowsDone} of {totalRows} rows)"
                : $"{resultsRead} trials ({run}: {rowsDone} of {totalRows} rows)";
            var record = new ProgressRecord(ProgressActivityId, ProgressActivity, status);
            if (TrialTotal > 0) record.PercentComplete = (int)Math.Min(100, resultsRead * 100 / TrialTotal.Value);
            else if (totalRows > 0) record.PercentComplete = (int)Math.Min(100, rowsDone * 100 / totalRows);
            cmdlet.WriteProgress(record);
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

            /// <summary>Preparing the group failed (reported): its results are not read.</summary>
            public bool Failed { get; set; }
        }

        /// <summary>One eval_results list of the call: one run, or (with RequireIntersection) the runs of one project.</summary>
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
