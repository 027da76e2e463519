using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using WeaveEval.Client;
using WeaveEval.Model;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Per-trial results of one or more evaluation runs, each with flat <c>Input.*</c> and <c>Score.*</c>
    /// columns for export. Runs are read one after another in input order (the results of one run are
    /// contiguous); with -RequireIntersection the runs of a project are read with one combined query.
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
        private long trialsWritten;
        private long? trialTotal = 0;
        private bool progressShown;

        [Parameter(ParameterSetName = DefaultSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("Id")]
        [ValidateNotNullOrEmpty]
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

        /// <summary>Rows per request.</summary>
        [Parameter]
        [ValidateRange(1, 10000)]
        public int PageSize { get; set; }

        protected override void BeginProcessing() => pager = new PageCounter(PagingParameters);

        protected override void ProcessRecord() => runs.Add(ResolveConnection(), EvaluationRunId);

        protected override void EndProcessing()
        {
            var work = new List<(RunIdGroup Group, WeaveClient Client)>();
            foreach (var group in runs.Groups)
            {
                var client = CreateClient(group.Connection);
                if (!Prepare(group, client)) continue;
                work.Add((group, client));
            }

            if (PagingParameters.IncludeTotalCount)
            {
                WriteObject(PagingParameters.NewTotalCount((ulong)(trialTotal ?? 0), trialTotal.HasValue ? 1.0 : 0.0));
            }

            try
            {
                foreach (var (group, client) in work)
                {
                    if (RequireIntersection) Stream(group, client, group.Ids);
                    else foreach (var id in group.Ids) Stream(group, client, new[] { id });
                    if (pager!.Done) break;
                }
            }
            finally
            {
                if (progressShown) WriteProgress(new ProgressRecord(ProgressActivityId, ProgressActivity, "Done") { RecordType = ProgressRecordType.Completed });
            }
        }

        /// <summary>
        /// Drops unknown run ids (NotFound errors), then reads the summary of the rest: its scorer
        /// dimensions are the Score.* columns and its trial counts the progress total.
        /// </summary>
        private bool Prepare(RunIdGroup group, WeaveClient client)
        {
            try
            {
                group.DropUnknownRuns(this, ids => Await(client.ReadEvaluationRunsAsync(ids, CancellationToken)));
                if (group.Ids.Count == 0) return false;
                var summary = Await(client.QueryEvalSummaryAsync(group.Ids, RequireIntersection, CancellationToken));
                columns.AddScorers(summary.ScorerNames);
                AddTrialTotal(group.Ids, summary);
                return true;
            }
            catch (Exception ex)
            {
                ReportFailure(ex, group.Ids.Count == 1 ? group.Ids[0] : (object)group.Ids.ToArray());
                return false;
            }
        }

        private void AddTrialTotal(IReadOnlyList<string> ids, EvalSummaryResult summary)
        {
            var perRun = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var stat in summary.Stats)
            {
                if (!perRun.ContainsKey(stat.EvaluationRunId)) perRun.Add(stat.EvaluationRunId, stat.EvaluationTrialCount);
            }
            // A run missing from the summary has no trials or only unscored ones: its count is unknown.
            if (ids.All(perRun.ContainsKey)) trialTotal += ids.Sum(id => perRun[id]);
            else trialTotal = null;
        }

        private void Stream(RunIdGroup group, WeaveClient client, IReadOnlyList<string> ids)
        {
            if (pager!.Done) return;
            var query = new EvalResultsQuery
            {
                RunIds = ids,
                RequireIntersection = RequireIntersection.IsPresent,
                IncludeInputs = !NoInputs.IsPresent,
                ResolveRowRefs = !NoResolve.IsPresent,
                IncludeCosts = IncludeCost.IsPresent,
            };
            if (MyInvocation.BoundParameters.ContainsKey(nameof(PageSize))) query.PageSize = PageSize;

            Action<long, long> progress = (rowsDone, totalRows) => Post(() => ShowProgress(ids, rowsDone, totalRows));
            try
            {
                var results = client.QueryEvalResultsAsync(query, progress, CancellationToken).GetAsyncEnumerator(CancellationToken);
                try
                {
                    while (!pager.Done && Await(results.MoveNextAsync()))
                    {
                        if (!pager.Take()) continue;
                        WriteObject(Flatten(results.Current, group.Connection));
                        trialsWritten++;
                    }
                }
                finally
                {
                    Await(results.DisposeAsync().AsTask());
                }
            }
            catch (Exception ex)
            {
                ReportFailure(ex, ids.Count == 1 ? ids[0] : (object)ids.ToArray());
            }
        }

        private PSObject Flatten(EvalResult result, ResolvedConnection connection)
        {
            if (string.IsNullOrEmpty(result.Entity)) result.Entity = connection.Entity;
            if (string.IsNullOrEmpty(result.Project)) result.Project = connection.Project;
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
    }
}
