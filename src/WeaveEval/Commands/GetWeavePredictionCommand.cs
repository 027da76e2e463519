using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>Reads predictions by id (concurrently, output in input order) or lists a run's v2 predictions.</summary>
    [Cmdlet(VerbsCommon.Get, "WeavePrediction", DefaultParameterSetName = ByIdSet, SupportsPaging = true)]
    [OutputType(typeof(Prediction))]
    public sealed class GetWeavePredictionCommand : WeaveCmdlet
    {
        public const string ByIdSet = "ById";
        public const string ByRunSet = "ByRun";

        /// <summary>How many reads may wait for their turn to be written, per allowed concurrent read.</summary>
        private const int PendingPerThrottleSlot = 4;

        private OrderedFetchQueue<PendingPrediction, Prediction?>? reads;
        private PageCounter? pager;

        /// <summary>
        /// Prediction (predict call) ids. Null or empty ids (an EvalResult whose trial has no predict call)
        /// are reported as a non-terminating MissingPredictionId error, in input order.
        /// </summary>
        [Parameter(ParameterSetName = ByIdSet, Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("PredictCallId")]
        [AllowNull]
        [AllowEmptyString]
        [AllowEmptyCollection]
        public string?[] PredictionId { get; set; } = Array.Empty<string>();

        // The row and trial of a piped EvalResult, bound only to say which input had no PredictionId.
        [Parameter(ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true, DontShow = true)]
        [AllowNull]
        [AllowEmptyString]
        public string? RowDigest { get; set; }

        [Parameter(ParameterSetName = ByIdSet, ValueFromPipelineByPropertyName = true, DontShow = true)]
        [AllowNull]
        [AllowEmptyString]
        public string? TrialIndex { get; set; }

        [Parameter(ParameterSetName = ByRunSet, Mandatory = true, ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        [ArgumentCompleter(typeof(EvaluationRunIdCompleter))]
        public string[] EvaluationRunId { get; set; } = Array.Empty<string>();

        /// <summary>
        /// A piped evaluation run. Its EvaluationRunId, Entity and Project bind by property name; this
        /// typed parameter makes the binder pick ByRun for runs, instead of converting the run to text
        /// and taking that as a prediction id.
        /// </summary>
        [Parameter(ParameterSetName = ByRunSet, ValueFromPipeline = true)]
        [ValidateNotNull]
        public EvaluationRun? InputObject { get; set; }

        /// <summary>How many predictions are read at the same time.</summary>
        [Parameter(ParameterSetName = ByIdSet)]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 8;

        [Parameter(ParameterSetName = ByRunSet)]
        [ValidateRange(1, 10000)]
        public int PageSize { get; set; }

        protected override void BeginProcessing()
        {
            pager = new PageCounter(PagingParameters);
            if (ParameterSetName == ByIdSet) reads = new OrderedFetchQueue<PendingPrediction, Prediction?>(ReadAsync, ThrottleLimit, CancellationToken);
        }

        protected override void ProcessRecord()
        {
            if (ParameterSetName == ByRunSet)
            {
                ListForRuns();
                return;
            }
            if (pager!.Done) return;
            var connection = ResolveConnection();
            var client = CreateClient(connection);
            foreach (var id in PredictionId ?? new string?[] { null })
            {
                reads!.Add(string.IsNullOrEmpty(id)
                    ? new PendingPrediction(string.Empty, connection, null) { Origin = DescribeInput(), RowDigest = RowDigest }
                    : new PendingPrediction(id!, connection, client));
            }
            WriteFinished(ThrottleLimit * PendingPerThrottleSlot);
        }

        protected override void EndProcessing()
        {
            if (reads != null)
            {
                WriteFinished(0);
                Await(reads.DisposeAsync().AsTask());
            }
            if (PagingParameters.IncludeTotalCount) WriteObject(PagingParameters.NewTotalCount(pager!.Seen, ParameterSetName == ByIdSet ? 1.0 : 0.0));
        }

        /// <summary>Reads one prediction; an input without an id has nothing to read (null).</summary>
        private static async Task<Prediction?> ReadAsync(PendingPrediction input, CancellationToken ct)
        {
            if (input.Client == null) return null;
            return await input.Client.ReadPredictionAsync(input.Id, ct).ConfigureAwait(false);
        }

        /// <summary>
        /// Writes finished reads in input order; waits for the oldest read while more than
        /// <paramref name="maxPending"/> are outstanding, so memory stays bounded on long pipelines.
        /// </summary>
        private void WriteFinished(int maxPending)
        {
            WriteQueuedOutput();
            while (reads!.Count > 0)
            {
                if (!reads.IsNextComplete && reads.Count <= maxPending) return;
                var outcome = Await(reads.TakeAsync());
                var next = outcome.Input;
                if (next.Client == null)
                {
                    WriteMissingId(next);
                    continue;
                }
                if (!outcome.Succeeded)
                {
                    ReportFailure(InOwnWords(outcome.Exception!, next), next.Id);
                    continue;
                }
                if (pager!.Take()) WriteObject(outcome.Value!);
                if (pager.Done)
                {
                    // Nothing more is written (ProcessRecord takes no more input): stop the reads still running.
                    Await(reads.DisposeAsync().AsTask());
                    return;
                }
            }
        }

        /// <summary>A 404 of the prediction read in the words every cmdlet uses for "not found"; the server's reason stays in ErrorDetails.</summary>
        private static Exception InOwnWords(Exception exception, PendingPrediction read) =>
            exception is WeaveApiException api && api.Kind == WeaveErrorKind.NotFound
                ? new WeaveApiException(NotFoundMessage("Prediction", read.Id, read.Connection), api.ErrorId, api.Kind, api.StatusCode, api.Method, api.RequestPath, api.Reason, api.ResponseBody)
                : exception;

        /// <summary>What an input without an id was, in the words of the MissingPredictionId message; read when it is queued, since the parameters change with the next input.</summary>
        private string DescribeInput()
        {
            if (!MyInvocation.ExpectingInput) return "-PredictionId was given an empty value";
            if (string.IsNullOrEmpty(RowDigest)) return "An input object has no PredictionId";
            var trial = string.IsNullOrEmpty(TrialIndex) ? string.Empty : ", trial " + TrialIndex;
            return $"The input for row {RowDigest}{trial} has no PredictionId (the server found no predict call for that trial)";
        }

        private void WriteMissingId(PendingPrediction input)
        {
            var exception = new ArgumentException(input.Origin + ", so there is no prediction to read.");
            WriteError(new ErrorRecord(exception, "WeaveEval.MissingPredictionId", ErrorCategory.InvalidArgument, input.RowDigest));
        }

        private void ListForRuns()
        {
            var connection = ResolveConnection();
            var client = CreateClient(connection);
            foreach (var runId in EvaluationRunId)
            {
                if (pager!.Done) return;
                if (WriteErrorIfUnusable(runId, "evaluation run id")) continue;
                var page = new PageRequest
                {
                    PageSize = MyInvocation.BoundParameters.ContainsKey(nameof(PageSize)) ? PageSize : (int?)null,
                    MaxItems = pager.Remaining,
                };
                try
                {
                    ForEach(client.ListPredictionsAsync(runId, page, CancellationToken), prediction =>
                    {
                        if (pager.Take()) WriteObject(prediction);
                        return !pager.Done;
                    });
                }
                catch (Exception ex)
                {
                    ReportFailure(ex, runId);
                }
            }
        }

        private sealed class PendingPrediction
        {
            public PendingPrediction(string id, ResolvedConnection connection, WeaveClient? client)
            {
                Id = id;
                Connection = connection;
                Client = client;
            }

            public string Id { get; }

            public ResolvedConnection Connection { get; }

            /// <summary>Null for an input without an id.</summary>
            public WeaveClient? Client { get; }

            /// <summary>For an input without an id: which input it was, and its row (the error's target).</summary>
            public string? Origin { get; set; }

            public string? RowDigest { get; set; }
        }
    }
}
