using System.Management.Automation;

namespace WeaveEval.Commands
{
    /// <summary>Clears the session defaults that Connect-Weave set.</summary>
    [Cmdlet(VerbsCommunications.Disconnect, "Weave")]
    public sealed class DisconnectWeaveCommand : PSCmdlet
    {
        protected override void EndProcessing()
        {
            if (WeaveSessionStore.Stored == null) WriteVerbose("There was no session connection.");
            WeaveSessionStore.Clear();
        }
    }
}
