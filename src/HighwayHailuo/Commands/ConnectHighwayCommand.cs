// Connect-Highway: remembers an API key (and optionally a base URI and a proxy) for this runspace.
using System;
using System.Management.Automation;
using System.Security;
using HighwayHailuo.Api;
using HighwayHailuo.Errors;
using HighwayHailuo.Hosting;

namespace HighwayHailuo.Commands
{
    /// <summary>
    /// <para type="synopsis">Stores a Highway API key, base URI and proxy for the current PowerShell session.</para>
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

        /// <summary>
        /// <para type="description">A proxy for every request of this session's HighwayHailuo cmdlets, API calls and video downloads alike, loopback addresses included. Without it, the system proxy applies.</para>
        /// </summary>
        [Parameter]
        public Uri? Proxy { get; set; }

        /// <summary>
        /// <para type="description">The user name and password the -Proxy asks for.</para>
        /// </summary>
        [Parameter]
        [Credential]
        public PSCredential? ProxyCredential { get; set; }

        /// <summary>
        /// <para type="description">Signs in to the -Proxy as the current user (Windows integrated authentication).</para>
        /// </summary>
        [Parameter]
        public SwitchParameter ProxyUseDefaultCredentials { get; set; }

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
            var proxy = CheckProxy(baseUri);
            var session = SessionSettings.Current;
            // A private copy, so Disconnect-Highway can dispose it without touching the caller's object.
            var key = ApiKey!.Copy();
            key.MakeReadOnly();
            session.ApiKey?.Dispose();
            session.ApiKey = key;
            session.BaseUri = baseUri;
            session.Proxy = proxy;
            WriteVerbose("Connected: the API key from -ApiKey will be used by this session's HighwayHailuo cmdlets"
                + (baseUri == null ? "" : $", against {baseUri}")
                + (proxy == null ? "." : $", through the proxy {proxy}" + (proxy.HasCredential ? " with -ProxyCredential." : proxy.UsesDefaultCredentials ? " as the signed-in user." : ".")));
        }

        /// <summary>The proxy settings, checked as Invoke-RestMethod checks its own; null without -Proxy.</summary>
        private ProxySettings? CheckProxy(Uri? baseUri)
        {
            bool hasCredential = ProxyCredential != null && ProxyCredential != PSCredential.Empty;
            if (hasCredential && ProxyUseDefaultCredentials)
            {
                ThrowTerminatingError(HailuoErrors.Record(ErrorIds.ProxyCredentialConflict,
                    "-ProxyCredential and -ProxyUseDefaultCredentials name two different ways to sign in to the proxy; give one of them.", null));
            }
            if (Proxy == null)
            {
                if (hasCredential || ProxyUseDefaultCredentials)
                {
                    ThrowTerminatingError(HailuoErrors.Record(ErrorIds.ProxyUriMissing,
                        (hasCredential ? "-ProxyCredential" : "-ProxyUseDefaultCredentials") + " needs -Proxy, the proxy to sign in to.", null));
                }
                return null;
            }
            try
            {
                var proxy = ProxySettings.Create(Proxy.OriginalString, hasCredential ? ProxyCredential!.GetNetworkCredential() : null, ProxyUseDefaultCredentials);
                if (baseUri != null)
                    proxy.CheckRoute(baseUri);
                return proxy;
            }
            catch (HailuoException ex)
            {
                ThrowTerminatingError(HailuoErrors.Record(ex, HighwayConnection.Redact(Proxy.OriginalString)));
                return null;
            }
        }
    }
}
