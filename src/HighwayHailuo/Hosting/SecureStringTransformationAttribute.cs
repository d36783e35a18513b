// Lets -ApiKey take, besides a SecureString, a plain string (e.g. a key from Get-Secret -AsPlainText)
// and a PSCredential whose password is the key: what Azure Automation's Get-AutomationPSCredential
// and a credential-type secret from Get-Secret return. The credential's user name is not used.
using System.Management.Automation;
using System.Security;
using HighwayHailuo.Api;

namespace HighwayHailuo.Hosting
{
    internal sealed class SecureStringTransformationAttribute : ArgumentTransformationAttribute
    {
        public override object? Transform(EngineIntrinsics engineIntrinsics, object? inputData)
        {
            object? value = inputData is PSObject ps ? ps.BaseObject : inputData;
            return value switch
            {
                SecureString secure => secure,
                PSCredential credential => credential.Password ?? new SecureString(),
                string text => HighwayConnection.ToSecureString(text.Trim()),
                _ => inputData,
            };
        }
    }
}
