// A proxy named by Connect-Highway -Proxy, with the HTTP clients that use it. Without one, the
// module's default clients use the system proxy (HTTPS_PROXY and NO_PROXY, or Windows' settings).
using System;
using System.Net;
using System.Net.Http;
using System.Threading;
using HighwayHailuo.Errors;

namespace HighwayHailuo.Api
{
    internal sealed class ProxySettings
    {
        private readonly Lazy<HttpClient> _api;
        private readonly Lazy<HttpClient> _download;

        private ProxySettings(Uri address, ICredentials? credentials, bool usesDefaultCredentials)
        {
            Address = address;
            UsesDefaultCredentials = usesDefaultCredentials;
            var proxy = new FixedProxy(address) { Credentials = credentials };
            _api = new Lazy<HttpClient>(() => HttpClients.Create(allowRedirects: false, decompress: true, proxy), LazyThreadSafetyMode.ExecutionAndPublication);
            _download = new Lazy<HttpClient>(() => HttpClients.Create(allowRedirects: true, decompress: false, proxy), LazyThreadSafetyMode.ExecutionAndPublication);
            HasCredential = credentials != null && !usesDefaultCredentials;
        }

        public Uri Address { get; }

        public bool HasCredential { get; }

        public bool UsesDefaultCredentials { get; }

        /// <summary>The client for API requests through this proxy (created on first use).</summary>
        public HttpClient Api => _api.Value;

        /// <summary>The client for video downloads through this proxy (created on first use).</summary>
        public HttpClient Download => _download.Value;

        /// <summary>The proxy as messages show it: its address (it never holds a password: Create refuses one in the address).</summary>
        public override string ToString() => Address.GetLeftPart(UriPartial.Authority);

        /// <summary>
        /// Checks -Proxy and its credential switches as Invoke-RestMethod pairs them, and builds the
        /// settings. A bare "host:port" means an http proxy, the usual kind.
        /// </summary>
        public static ProxySettings Create(string text, NetworkCredential? credential, bool useDefaultCredentials) =>
            Create(text, credential, useDefaultCredentials, RuntimeTakesHttpsProxies);

        /// <summary>
        /// .NET 8 and later (PowerShell 7.4+) talk to a proxy over https; .NET Framework (Windows
        /// PowerShell 5.1) only over http, and would fail at the first request instead of here.
        /// </summary>
        internal static bool RuntimeTakesHttpsProxies { get; } =
            !System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription.StartsWith(".NET Framework", StringComparison.OrdinalIgnoreCase);

        internal static ProxySettings Create(string text, NetworkCredential? credential, bool useDefaultCredentials, bool httpsProxiesWork)
        {
            string trimmed = text.Trim();
            if (trimmed.Length > 0 && trimmed.IndexOf("://", StringComparison.Ordinal) < 0)
                trimmed = "http://" + trimmed;
            string shown = HighwayConnection.Redact(trimmed);
            if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
            {
                throw new HailuoException(ErrorIds.InvalidProxyUri,
                    $"The proxy '{shown}' is not an absolute http or https URI (for example http://proxy.example:8080).");
            }
            if (uri.Scheme == Uri.UriSchemeHttps && !httpsProxiesWork)
            {
                throw new HailuoException(ErrorIds.InvalidProxyUri,
                    $"The proxy '{shown}' is an https proxy, which Windows PowerShell 5.1 cannot use; give its http address (the API traffic inside stays encrypted), or use PowerShell 7.4 or later.");
            }
            if (!string.IsNullOrEmpty(uri.UserInfo))
            {
                throw new HailuoException(ErrorIds.InvalidProxyUri,
                    $"The proxy '{shown}' carries a user name or password in its address; pass them with -ProxyCredential instead, so they stay out of the address that messages show.");
            }
            if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || (uri.AbsolutePath != "/" && uri.AbsolutePath.Length > 0))
            {
                throw new HailuoException(ErrorIds.InvalidProxyUri,
                    $"The proxy '{shown}' has a path or query; a proxy is named by scheme, host and port only.");
            }
            ICredentials? credentials = useDefaultCredentials ? CredentialCache.DefaultCredentials : credential;
            return new ProxySettings(new Uri(uri.GetLeftPart(UriPartial.Authority) + "/"), credentials, useDefaultCredentials);
        }

        /// <summary>
        /// Refuses a plain-http API address through a proxy on another machine: plain http is allowed
        /// only so the key never leaves this machine unencrypted, and such a proxy would carry it off.
        /// </summary>
        public void CheckRoute(Uri baseUri)
        {
            if (baseUri.Scheme == Uri.UriSchemeHttp && !HighwayConnection.IsLoopback(Address))
            {
                throw new HailuoException(ErrorIds.InvalidProxyUri,
                    $"The API address {baseUri.GetLeftPart(UriPartial.Authority)} uses plain http, which is allowed only on this machine, but the proxy {this} is elsewhere: the API key would cross the network unencrypted. Use an https base URI, or a proxy on this machine.");
            }
        }

        /// <summary>
        /// A proxy asked for credentials it was not given (or refused those it was): the request went no
        /// further, and every later one would meet the same answer, so the call stops.
        /// </summary>
        public static HailuoException AuthenticationRequired(ProxySettings? proxy, string statusLine, string consequence)
        {
            string message = proxy == null
                ? $"A proxy between this machine and the server asked for credentials ({statusLine}), so {consequence}. Name it with Connect-Highway -Proxy, with -ProxyCredential (or -ProxyUseDefaultCredentials for the signed-in Windows user)."
                : proxy.HasCredential
                    ? $"The proxy {proxy} refused the credentials from Connect-Highway -ProxyCredential ({statusLine}), so {consequence}. Check the user name and password."
                    : $"The proxy {proxy} asked for credentials ({statusLine}){(proxy.UsesDefaultCredentials ? " and did not take the signed-in user's" : "")}, so {consequence}. Give them with Connect-Highway -ProxyCredential.";
            return new HailuoException(ErrorIds.ProxyAuthenticationRequired, message, 407, terminating: true);
        }

        /// <summary>
        /// True when a proxy refused to open a tunnel (an https request) with 407. .NET reports it as an
        /// exception, not an answer: on PowerShell 7 its message names the status in quotes ("failed
        /// with status code '407'", quoted so a port number cannot pass for it); on Windows
        /// PowerShell, a WebException carries the proxy's answer.
        /// </summary>
        public static bool RefusedTunnel(Exception ex)
        {
            for (Exception? e = ex; e != null; e = e.InnerException)
            {
                if (e is WebException web && web.Response is HttpWebResponse answer && (int)answer.StatusCode == 407)
                    return true;
                if (e is HttpRequestException && e.Message.IndexOf("proxy", StringComparison.OrdinalIgnoreCase) >= 0
                    && e.Message.IndexOf("'407'", StringComparison.Ordinal) >= 0)
                    return true;
            }
            return false;
        }

        /// <summary>
        /// Sends every request to one proxy. Unlike WebProxy, it bypasses nothing, not even a loopback
        /// address: a user who names a proxy means all of the module's traffic.
        /// </summary>
        private sealed class FixedProxy : IWebProxy
        {
            private readonly Uri _address;

            public FixedProxy(Uri address) => _address = address;

            public ICredentials? Credentials { get; set; }

            public Uri GetProxy(Uri destination) => _address;

            public bool IsBypassed(Uri host) => false;
        }
    }
}
