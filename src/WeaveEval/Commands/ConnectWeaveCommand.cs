using System.Management.Automation;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>Sets the session defaults (entity, project, key, server, transport) for later commands.</summary>
    [Cmdlet(VerbsCommunications.Connect, "Weave")]
    [OutputType(typeof(WeaveConnection))]
    public sealed class ConnectWeaveCommand : WeaveCmdlet
    {
        /// <summary>Stores the connection without the validating request.</summary>
        [Parameter]
        public SwitchParameter SkipValidation { get; set; }

        [Parameter]
        public SwitchParameter PassThru { get; set; }

        protected override void ProcessRecord()
        {
            var previous = WeaveSessionStore.Stored;
            var connection = ResolveConnection();
            if (!SkipValidation) Validate(connection);

            var session = new WeaveSession
            {
                Entity = connection.Entity,
                Project = connection.Project,
                ApiKey = connection.ApiKey,
                BaseUri = connection.BaseUri,
                Transport = connection.Transport,
            };
            // Re-connecting with the session's own key keeps saying where that key first came from.
            var stored = connection.KeySource == ApiKeySource.Session && previous != null
                ? new StoredSession(session, previous.KeySource, previous.KeySourceDescription)
                : new StoredSession(session, connection.KeySource, connection.KeySourceDescription);
            WeaveSessionStore.Set(stored);
            WriteVerbose($"Connected to {connection.Entity}/{connection.Project} at {connection.BaseUri} with {connection.KeySourceDescription}.");
            if (PassThru) WriteObject(new WeaveConnection(stored));
        }

        /// <summary>One cheap request: the newest evaluation run, if any.</summary>
        private void Validate(ResolvedConnection connection)
        {
            var client = CreateClient(connection);
            var query = new RunListQuery { PageSize = 1, MaxItems = 1 };
            try
            {
                ForEach(client.ListEvaluationRunsAsync(query, CancellationToken), run => false);
            }
            catch (WeaveException ex)
            {
                WriteQueuedOutput();
                ThrowTerminatingError(ErrorRecordFor(ex, $"{connection.Entity}/{connection.Project}"));
            }
            catch (System.Exception ex)
            {
                ReportFailure(ex, $"{connection.Entity}/{connection.Project}");
            }
        }
    }
}
