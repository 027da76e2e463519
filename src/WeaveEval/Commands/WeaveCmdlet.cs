using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Net;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>
    /// Base of every cmdlet that talks to the trace server: the connection parameters and their
    /// resolution, the cancellation token that Ctrl+C cancels, the pump that keeps Write* calls on the
    /// pipeline thread while async work runs, and the mapping of the core's exceptions to ErrorRecords.
    /// </summary>
    public abstract class WeaveCmdlet : PSCmdlet, IDisposable
    {
        private readonly CancellationTokenSource cancellation = new CancellationTokenSource();
        private readonly PipelineDispatcher dispatcher = new PipelineDispatcher();
        private PipelineLog? log;

        /// <summary>The W&amp;B entity (user or team).</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Entity { get; set; }

        /// <summary>The W&amp;B project.</summary>
        [Parameter(ValueFromPipelineByPropertyName = true)]
        [ValidateNotNullOrEmpty]
        public string? Project { get; set; }

        [Parameter]
        [ValidateNotNull]
        [SecureStringArgument]
        public SecureString? ApiKey { get; set; }

        [Parameter]
        [Credential]
        [ValidateNotNull]
        public PSCredential? Credential { get; set; }

        [Parameter]
        [ValidateNotNull]
        public Uri? BaseUri { get; set; }

        [Parameter]
        [ValidateRange(1, int.MaxValue)]
        public int TimeoutSec { get; set; }

        [Parameter]
        [ValidateRange(0, 100)]
        public int MaximumRetryCount { get; set; }

        [Parameter]
        [ValidateRange(0.0, 3600.0)]
        public double RetryIntervalSec { get; set; }

        [Parameter]
        [ValidateNotNull]
        public Uri? Proxy { get; set; }

        [Parameter]
        public SwitchParameter AllowUnencryptedAuthentication { get; set; }

        protected internal CancellationToken CancellationToken => cancellation.Token;

        /// <summary>The core's log, forwarded to Verbose/Debug/Warning on the pipeline thread.</summary>
        internal IWeaveLog Log => log ??= new PipelineLog(dispatcher, WriteVerbose, WriteDebug, WriteWarning);

        protected override void StopProcessing() => cancellation.Cancel();

        public void Dispose()
        {
            DisposeResources();
            cancellation.Cancel();
            cancellation.Dispose();
            dispatcher.Dispose();
            GC.SuppressFinalize(this);
        }

        /// <summary>Releases what a cmdlet holds open (a file half written) when the pipeline ends, however it ends.</summary>
        protected virtual void DisposeResources()
        {
        }

        /// <summary>What the user typed on this call (this record's Entity/Project included).</summary>
        internal ConnectionRequest BuildConnectionRequest()
        {
            var request = new ConnectionRequest
            {
                Entity = Entity,
                Project = Project,
                BaseUri = BaseUri,
                Proxy = Proxy,
                AllowUnencryptedAuthentication = AllowUnencryptedAuthentication.IsPresent,
            };
            if (Credential != null && ApiKey != null)
            {
                var conflict = new ArgumentException("Give the API key either with -ApiKey or with -Credential, not both.");
                ThrowTerminatingError(new ErrorRecord(conflict, "WeaveEval.ConflictingApiKeyParameters", ErrorCategory.InvalidArgument, null));
            }
            if (Credential != null)
            {
                request.ApiKey = KeyFrom(Credential.GetNetworkCredential().Password, "-Credential");
                request.ApiKeySource = ApiKeySource.Credential;
            }
            else if (ApiKey != null)
            {
                request.ApiKey = KeyFrom(new NetworkCredential(string.Empty, ApiKey).Password, "-ApiKey");
                request.ApiKeySource = ApiKeySource.Parameter;
            }
            var bound = MyInvocation.BoundParameters;
            if (bound.ContainsKey(nameof(TimeoutSec))) request.TimeoutSec = TimeoutSec;
            if (bound.ContainsKey(nameof(MaximumRetryCount))) request.MaximumRetryCount = MaximumRetryCount;
            if (bound.ContainsKey(nameof(RetryIntervalSec))) request.RetryIntervalSec = RetryIntervalSec;
            return request;
        }

        private ApiKey KeyFrom(string text, string parameter)
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                var empty = new ArgumentException($"The API key given with {parameter} is empty.");
                ThrowTerminatingError(new ErrorRecord(empty, "WeaveEval.MissingApiKey", ErrorCategory.InvalidArgument, null));
            }
            return new ApiKey(text);
        }

        /// <summary>
        /// Resolves the connection of the current record. A configuration problem stops the whole
        /// command: every later record would fail the same way.
        /// </summary>
        internal ResolvedConnection ResolveConnection()
        {
            try
            {
                return ConnectionResolver.Resolve(BuildConnectionRequest(), WeaveSessionStore.Current, SystemEnvironment.Instance);
            }
            catch (WeaveException ex)
            {
                ThrowTerminatingError(ErrorRecordFor(ex, null));
                throw;
            }
        }

        internal WeaveClient CreateClient(ResolvedConnection connection) => new WeaveClient(connection, Log);

        /// <summary>Blocks on the task, writing queued log lines and progress meanwhile.</summary>
        protected internal T Await<T>(Task<T> task) => dispatcher.Await(task);

        protected internal void Await(Task task) => dispatcher.Await(task);

        protected internal T Await<T>(ValueTask<T> task) => dispatcher.Await(task);

        /// <summary>
        /// Takes the items of <paramref name="source"/> on the pipeline thread (writing what other threads
        /// queued while it waits) for as long as <paramref name="take"/> returns true, then disposes the
        /// enumeration, which stops whatever requests it still had running.
        /// </summary>
        protected void ForEach<T>(IAsyncEnumerable<T> source, Func<T, bool> take)
        {
            var items = source.GetAsyncEnumerator(CancellationToken);
            try
            {
                while (Await(items.MoveNextAsync()) && take(items.Current))
                {
                }
            }
            finally
            {
                Await(items.DisposeAsync().AsTask());
            }
        }

        /// <summary>Queues an action for the pipeline thread (used by work running on other threads).</summary>
        internal void Post(Action action) => dispatcher.Post(action);

        /// <summary>Runs, on the pipeline thread, the writes other threads queued while it was not waiting.</summary>
        protected void WriteQueuedOutput() => dispatcher.Drain();

        /// <summary>
        /// Reports a failure of one item: a non-terminating error, except for failures that every
        /// later item would hit too (configuration, authentication, permission), which stop the command,
        /// and a list that broke off after part of it was written (StreamInterrupted), which stops the
        /// command so that a script cannot mistake the part for the whole.
        /// A cancellation caused by Ctrl+C becomes the pipeline stop PowerShell expects.
        /// </summary>
        internal void ReportFailure(Exception exception, object? target)
        {
            WriteQueuedOutput();
            if (exception is AggregateException aggregate && aggregate.InnerExceptions.Count == 1) exception = aggregate.InnerExceptions[0];
            if (exception is OperationCanceledException && cancellation.IsCancellationRequested) throw new PipelineStoppedException();
            if (exception is WeaveException weave)
            {
                var record = ErrorRecordFor(weave, target);
                if (IsFatal(weave))
                {
                    cancellation.Cancel();
                    ThrowTerminatingError(record);
                }
                WriteError(record);
                return;
            }
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(exception).Throw();
        }

        private static bool IsFatal(WeaveException exception) =>
            exception is WeaveStreamInterruptedException
            || exception.Kind == WeaveErrorKind.Configuration
            || exception.Kind == WeaveErrorKind.Authentication
            || exception.Kind == WeaveErrorKind.PermissionDenied;

        internal static ErrorRecord ErrorRecordFor(WeaveException exception, object? target)
        {
            var record = new ErrorRecord(exception, "WeaveEval." + exception.ErrorId, CategoryFor(exception.Kind), target);
            if (exception is WeaveStreamInterruptedException interrupted)
            {
                // The message says how far it got and, for a server error, the server's reason.
                record.ErrorDetails = new ErrorDetails(exception.Message)
                {
                    RecommendedAction = $"The {interrupted.ItemsReceived} objects written before the failure are only part of the answer; run the command again for all of it.",
                };
            }
            else if (exception is WeaveApiException api && !string.IsNullOrEmpty(api.Reason))
            {
                // The server's own words are the most precise message, except for a rejected key, where
                // the client's message says which key (by its source) was used and how to change it.
                var message = exception.Kind == WeaveErrorKind.Authentication ? exception.Message : api.Reason!;
                record.ErrorDetails = new ErrorDetails(message);
            }
            return record;
        }

        internal static ErrorCategory CategoryFor(WeaveErrorKind kind)
        {
            switch (kind)
            {
                case WeaveErrorKind.NotFound: return ErrorCategory.ObjectNotFound;
                case WeaveErrorKind.Authentication: return ErrorCategory.AuthenticationError;
                case WeaveErrorKind.PermissionDenied: return ErrorCategory.PermissionDenied;
                case WeaveErrorKind.InvalidArgument: return ErrorCategory.InvalidArgument;
                case WeaveErrorKind.LimitsExceeded: return ErrorCategory.LimitsExceeded;
                case WeaveErrorKind.ServerError: return ErrorCategory.ResourceUnavailable;
                case WeaveErrorKind.Timeout: return ErrorCategory.OperationTimeout;
                case WeaveErrorKind.Connection: return ErrorCategory.ConnectionError;
                case WeaveErrorKind.InvalidData: return ErrorCategory.InvalidData;
                case WeaveErrorKind.Configuration: return ErrorCategory.InvalidArgument;
                default: return ErrorCategory.NotSpecified;
            }
        }

        /// <summary>
        /// The one "not found" of every cmdlet: "Evaluation run X not found in project E/P.", shaped like
        /// the server's own 404. An id that names nothing at all (blank, '.', '..') is InvalidArgument instead.
        /// </summary>
        internal void WriteNotFound(string what, string id, ResolvedConnection connection)
        {
            if (!UrlPath.IsUsableId(id))
            {
                WriteError(ErrorRecordFor(UrlPath.UnusableId(what.ToLowerInvariant() + " id", id), id));
                return;
            }
            var exception = new ItemNotFoundException(NotFoundMessage(what, id, connection));
            WriteError(new ErrorRecord(exception, "WeaveEval.NotFound", ErrorCategory.ObjectNotFound, id));
        }

        /// <summary>
        /// Writes WeaveEval.InvalidArgument for an id that names nothing (blank, '.', '..') and returns true,
        /// so that the caller skips it before any request.
        /// </summary>
        internal bool WriteErrorIfUnusable(string id, string what)
        {
            if (UrlPath.IsUsableId(id)) return false;
            WriteError(ErrorRecordFor(UrlPath.UnusableId(what, id), id));
            return true;
        }

        internal static string NotFoundMessage(string what, string id, ResolvedConnection connection) =>
            $"{what} {id} not found in project {connection.Entity}/{connection.Project}.";
    }
}
