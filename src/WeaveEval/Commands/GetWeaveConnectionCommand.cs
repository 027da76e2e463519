using System.Management.Automation;

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
                WriteVerbose("Not connected: commands use -Entity/-Project/-ApiKey, the WANDB_* environment variables and the netrc file.");
                return;
            }
            WriteObject(new WeaveConnection(stored));
        }
    }
}
