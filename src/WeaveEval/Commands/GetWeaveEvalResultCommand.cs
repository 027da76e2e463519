using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Runtime.CompilerServices;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Per-trial results of one or more evaluation runs, each with flat <c>Input.*</c> and <c>Score.*</c>
    /// columns for export. Several runs are read at once (-ThrottleLimit), yet written in input order, the
    /// results of one run together; with -RequireIntersection the runs of a project are read with one
    /// combined query.
    /// </summary>
    [Cmdlet(VerbsCommon.Get, "WeaveEvalResult", DefaultParameterSetName = DefaultSet, SupportsPaging = true)]
    [OutputType(typeof(EvalResult))]
    public sealed class GetWeaveEvalResultCommand : WeaveCmdlet
    {
        public const string DefaultSet = "Default";

        public const int DefaultThrottleLimit = 8;

        /// <summary>Most results handed to the pipeline thread at once.</summary>
        private const int MaxBatch = 128;

        /// <summary>
        /// Batches each read may hold ahead of the output: with the batch being filled, about one page of
        /// the default size (200 rows of 2 trials) is parsed ahead, and the next page is requested meanwhile.
        /// </summary>
        private const int BatchesAhead = 4;

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

        /// <summary>How many runs are read at the same time (the output keeps the input order).</summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = DefaultThrottleLimit;

        /// <summary>Rows per request.</summary>
        [Parameter]
        [ValidateRange(1, 10000)]
        public int PageSize { get; set; }

        protected override void BeginProcessing() => pager = new PageCounter(PagingParameters);

        protected override void ProcessRecord() => runs.Add(ResolveConnection(), EvaluationRunId);

        protected override void EndProcessing()
        {
            var reads = new List<RunRead>();
            foreach (var group in runs.Groups)
            {
                var client = CreateClient(group.Connection);
                if (!Prepare(group, client)) continue;
                if (RequireIntersection)
                {
                    reads.Add(new RunRead(group, client, QueryFor(group.Ids)));
                }
                else
                {
                    foreach (var id in group.Ids) reads.Add(new RunRead(group, client, QueryFor(new[] { id })));
                }
            }

            if (PagingParameters.IncludeTotalCount)
            {
                WriteObject(PagingParameters.NewTotalCount((ulong)(trialTotal ?? 0), trialTotal.HasValue ? 1.0 : 0.0));
            }

            try
            {
                // With -First the output may end early: read one run at a time, with no read-ahead, so
                // that no request is made for results that will not be written.
                if (pager!.Remaining.HasValue) foreach (var read in reads) StreamLazily(read);
                else Stream(reads);
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

        private EvalResultsQuery QueryFor(IReadOnlyList<string> ids)
        {
            var query = new EvalResultsQuery
            {
                RunIds = ids,
                RequireIntersection = RequireIntersection.IsPresent,
                IncludeInputs = !NoInputs.IsPresent,
                ResolveRowRefs = !NoResolve.IsPresent,
                IncludeCosts = IncludeCost.IsPresent,
                // The reads' own buffers (Stream) are the read-ahead: a second one inside the client would
                // only add a thread hand-over per row.
                ReadAhead = false,
            };
            if (MyInvocation.BoundParameters.ContainsKey(nameof(PageSize))) query.PageSize = PageSize;
            return query;
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

        /// <summary>
        /// Writes the results of the reads in their order, each read's results together; up to
        /// ThrottleLimit reads run at once, each at most one page ahead of the output. A failed read is
        /// reported in its place and the next one follows.
        /// </summary>
        private void Stream(List<RunRead> reads)
        {
            var outcomes = FanOut.OrderedConcurrentStreamsAsync(reads, ReadRunAsync, ThrottleLimit, BatchesAhead, CancellationToken)
                .GetAsyncEnumerator(CancellationToken);
            try
            {
                try
                {
                    while (!pager!.Done && Await(outcomes.MoveNextAsync()))
                    {
                        var outcome = outcomes.Current;
                        var read = outcome.Input;
                        if (!outcome.Succeeded)
                        {
                            ReportFailure(outcome.Exception!, read.Target);
                            continue;
                        }
                        foreach (var piece in outcome.Value!) Write(read, piece);
                    }
                }
                finally
                {
                    Await(outcomes.DisposeAsync().AsTask());
                }
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException) && !(ex is PipelineClosedException))
            {
                ReportFailure(ex, null);
            }
        }

        /// <summary>Reads the results of one read as the output takes them, stopping once -First is satisfied.</summary>
        private void StreamLazily(RunRead read)
        {
            if (pager!.Done) return;
            try
            {
                var pieces = ReadPiecesAsync(read, CancellationToken).GetAsyncEnumerator(CancellationToken);
                try
                {
                    while (!pager.Done && Await(pieces.MoveNextAsync())) Write(read, pieces.Current);
                }
                finally
                {
                    Await(pieces.DisposeAsync().AsTask());
                }
            }
            catch (Exception ex) when (!(ex is PipelineStoppedException) && !(ex is PipelineClosedException))
            {
                ReportFailure(ex, read.Target);
            }
        }

        private void Write(RunRead read, ReadPiece piece)
        {
            if (piece.Result == null)
            {
                ShowProgress(read.Ids, piece.RowsDone, piece.TotalRows);
                return;
            }
            if (pager!.Done || !pager.Take()) return;
            WriteObject(Flatten(piece.Result, read.Group.Connection));
            trialsWritten++;
        }

        /// <summary>
        /// One read's results in batches of those parsed and waiting, so that handing them to the pipeline
        /// thread costs once per batch rather than once per result.
        /// </summary>
        private IAsyncEnumerable<IReadOnlyList<ReadPiece>> ReadRunAsync(RunRead read, CancellationToken ct) =>
            ReadAhead.ReadyBatchesAsync(ReadPiecesAsync(read, ct), MaxBatch, ct);

        /// <summary>One read's results, with its page-end progress marks in their place among them.</summary>
        private async IAsyncEnumerable<ReadPiece> ReadPiecesAsync(RunRead read, [EnumeratorCancellation] CancellationToken ct)
        {
            ReadPiece? pageEnd = null;
            var results = read.Client.QueryEvalResultsAsync(read.Query, (rowsDone, totalRows) => pageEnd = ReadPiece.EndOfPage(rowsDone, totalRows), ct);
            await foreach (var result in results.WithCancellation(ct).ConfigureAwait(false))
            {
                if (pageEnd != null)
                {
                    yield return pageEnd;
                    pageEnd = null;
                }
                yield return new ReadPiece(result);
            }
            if (pageEnd != null) yield return pageEnd;
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

        /// <summary>One eval_results query of the call: one run, or (with -RequireIntersection) the runs of one project.</summary>
        private sealed class RunRead
        {
            public RunRead(RunIdGroup group, WeaveClient client, EvalResultsQuery query)
            {
                Group = group;
                Client = client;
                Query = query;
            }

            public RunIdGroup Group { get; }

            public WeaveClient Client { get; }

            public EvalResultsQuery Query { get; }

            public IReadOnlyList<string> Ids => Query.RunIds;

            /// <summary>The error record's target: the run id, or the ids of the combined query.</summary>
            public object Target => Ids.Count == 1 ? Ids[0] : (object)Ids.ToArray();
        }

        /// <summary>A result, or the mark that a page ended (progress).</summary>
        private sealed class ReadPiece
        {
            public ReadPiece(EvalResult result) { Result = result; }

            private ReadPiece(long rowsDone, long totalRows)
            {
                RowsDone = rowsDone;
                TotalRows = totalRows;
            }

            public EvalResult? Result { get; }

            public long RowsDone { get; }

            public long TotalRows { get; }

            public static ReadPiece EndOfPage(long rowsDone, long totalRows) => new ReadPiece(rowsDone, totalRows);
        }
    }
}
