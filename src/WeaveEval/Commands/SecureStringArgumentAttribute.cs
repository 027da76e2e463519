using System.Management.Automation;
using System.Security;

namespace WeaveEval.Commands
{
    /// <summary>
    /// PowerShell does not convert a string to a SecureString, and its own binding error ("Cannot
    /// convert the value of type System.String") does not say what to do; this one shows how to pass
    /// the key. The text of the key is never part of the message.
    /// </summary>
    internal sealed class SecureStringArgumentAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            var value = inputData is PSObject wrapped ? wrapped.BaseObject : inputData;
            if (value is string)
            {
                throw new ArgumentTransformationMetadataException(
                    "-ApiKey takes a SecureString, not plain text. Pass it as -ApiKey (Read-Host -AsSecureString), " +
                    "-ApiKey (ConvertTo-SecureString $key -AsPlainText -Force), or use -Credential; " +
                    "or leave it out and set $env:WANDB_API_KEY or a netrc entry.");
            }
            return value is SecureString ? value : inputData;
        }
    }
}
