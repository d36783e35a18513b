// Connect-Highway: remembers an API key (and optionally a base URI) for this runspace.
using System;
using System.Management.Automation;
using System.Security;
using HighwayHailuo.Api;
using HighwayHailuo.Errors;
using HighwayHailuo.Hosting;

namespace HighwayHailuo.Commands
{
    /// <summary>
    /// <para type="synopsis">Stores a Highway API key and base URI for the current PowerShell session.</para>
    /// </summary>
    [Cmdlet(VerbsCommunications.Connect, "Highway")]
    public sealed class ConnectHighwayCommand : PSCmdlet
    {
        /// <summary>
        /// <para type="description">The Highway API key: a SecureString, or a plain string that is converted on binding.</para>
        /// </summary>
        [Parameter(Mandatory = true, Position = 0)]
        [SecureStringTransformation]
        public SecureString ApiKey { get; set; } = null!;

        /// <summary>
        /// <para type="description">The API base URI, for a proxy or a local FakeHighway. Plain http is accepted for loopback addresses only.</para>
        /// </summary>
        [Parameter(Position = 1)]
        public Uri? BaseUri { get; set; }

        protected override void EndProcessing()
        {
            if (ApiKey == null || ApiKey.Length == 0)
            {
                ThrowTerminatingError(HailuoErrors.Record(ErrorIds.ApiKeyMissing,
                    "The API key given to Connect-Highway is empty.", null));
            }
            Uri? baseUri = null;
            if (BaseUri != null)
            {
                try
                {
                    baseUri = HighwayConnection.ValidateBaseUri(BaseUri.OriginalString, "-BaseUri");
                }
                catch (HailuoException ex)
                {
                    ThrowTerminatingError(HailuoErrors.Record(ex, HighwayConnection.Redact(BaseUri.OriginalString)));
                }
            }
            var session = SessionSettings.Current;
            // A private copy, so Disconnect-Highway can dispose it without touching the caller's object.
            var key = ApiKey!.Copy();
            key.MakeReadOnly();
            session.ApiKey?.Dispose();
            session.ApiKey = key;
            session.BaseUri = baseUri;
            WriteVerbose("Connected: the API key from -ApiKey will be used by this session's HighwayHailuo cmdlets"
                + (baseUri == null ? "." : $", against {baseUri}."));
        }
    }
}
