// Lets -ApiKey take a plain string as well as a SecureString (e.g. a key from Get-Secret -AsPlainText).
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
                string text => HighwayConnection.ToSecureString(text.Trim()),
                _ => inputData,
            };
        }
    }
}
