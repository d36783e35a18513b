// Disconnect-Highway: forgets what Connect-Highway stored in this runspace (key, base URI, proxy).
using System.Management.Automation;
using HighwayHailuo.Api;
using HighwayHailuo.Hosting;

namespace HighwayHailuo.Commands
{
    /// <summary>
    /// <para type="synopsis">Forgets the API key, base URI and proxy stored by Connect-Highway.</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Disconnect, "Highway")]
    public sealed class DisconnectHighwayCommand : PSCmdlet
    {
        protected override void EndProcessing()
        {
            var session = SessionSettings.Current;
            session.ApiKey?.Dispose();
            session.ApiKey = null;
            session.BaseUri = null;
            // The proxy's clients are left to the garbage collector: a pipeline still running may be using them.
            session.Proxy = null;
            WriteVerbose("Disconnected: this session no longer holds a Highway API key, base URI or proxy.");
        }
    }
}
