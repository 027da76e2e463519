using System.Management.Automation;
using WeaveEval.Client;

namespace WeaveEval.Commands
{
    /// <summary>Shows the session connection (never the key, only where it came from).</summary>
    [Cmdlet(VerbsCommon.Get, "WeaveConnection")]
    [OutputType(typeof(WeaveConnection))]
    public sealed class GetWeaveConnectionCommand : PSCmdlet
    {
        protected override void EndProcessing()
        {
            var stored = WeaveSessionStore.Stored;
            if (stored == null)
            {
                WriteWarning(WithoutSession());
                return;
            }
            WriteObject(new WeaveConnection(stored));
        }

        /// <summary>What a command run now would use, resolved the way every command resolves it (never the key).</summary>
        private static string WithoutSession()
        {
            const string NotConnected = "Not connected (Connect-Weave).";
            try
            {
                var resolved = ConnectionResolver.Resolve(new ConnectionRequest(), null, SystemEnvironment.Instance);
                return $"{NotConnected} Commands without -Entity/-Project/-ApiKey would use {resolved.Entity}/{resolved.Project} at {resolved.BaseUri} with the API key from {resolved.KeySourceDescription}.";
            }
            catch (WeaveException e)
            {
                return $"{NotConnected} Commands without -Entity/-Project/-ApiKey would fail: {e.Message}";
            }
        }
    }
}
