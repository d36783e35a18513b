// Disconnect-Highway: forgets what Connect-Highway stored in this runspace.
using System.Management.Automation;
using HighwayHailuo.Api;
using HighwayHailuo.Hosting;

namespace HighwayHailuo.Commands
{
    /// <summary>
    /// <para type="synopsis">Forgets the API key and base URI stored by Connect-Highway.</para>
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
            WriteVerbose("Disconnected: this session no longer holds a Highway API key.");
        }
    }
}
