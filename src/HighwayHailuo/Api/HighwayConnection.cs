// Where the API key, base URI and proxy come from, resolved once per cmdlet call.
using System;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Runtime.InteropServices;
using System.Security;
using HighwayHailuo.Errors;
using HighwayHailuo.FlowControl;

namespace HighwayHailuo.Api
{
    internal sealed class HighwayConnection
    {
        public static readonly Uri DefaultBaseUri = new Uri("https://api.highwayapi.ai/");
        public const string ApiKeyVariable = "HIGHWAY_API_KEY";
        public const string BaseUriVariable = "HIGHWAY_BASE_URI";

        private HighwayConnection(SecureString? apiKey, string keySource, Uri baseUri, ProxySettings? proxy)
        {
            ApiKey = apiKey;
            KeySource = keySource;
            BaseUri = baseUri;
            Proxy = proxy;
        }

        public SecureString? ApiKey { get; }

        /// <summary>Where the key came from, for error messages (never the key itself).</summary>
        public string KeySource { get; }

        public Uri BaseUri { get; }

        /// <summary>The proxy from Connect-Highway -Proxy; null means the system proxy.</summary>
        public ProxySettings? Proxy { get; }

        /// <summary>
        /// Which account this connection reaches: a short one-way hash of the API host and the key,
        /// so a session can tell its tasks apart by connection without keeping the key. Null without a key.
        /// </summary>
        public string? Account => ApiKey == null ? null : _account ??= AccountNames.Fingerprint("HighwayHailuo connection", BaseUri, RevealKey()!);
        private string? _account;

        /// <summary>
        /// Applies the documented precedence to each setting on its own: parameter, then
        /// Connect-Highway, then environment variable, then the default. The proxy comes from
        /// Connect-Highway only, and must not carry a plain-http key off this machine.
        /// </summary>
        public static HighwayConnection Resolve(SecureString? apiKeyParameter, Uri? baseUriParameter, SecureString? connectedKey, Uri? connectedBaseUri, ProxySettings? proxy = null)
        {
            SecureString? key;
            string source;
            if (apiKeyParameter != null && apiKeyParameter.Length == 0)
            {
                // An empty -ApiKey (an unset variable, a secret that did not load) is a mistake, not a
                // request for another key: falling back could bill a different account.
                throw new HailuoException(ErrorIds.ApiKeyMissing,
                    "-ApiKey is empty (an unset variable, or a secret that did not load?); no other key was used. Pass the key, or leave -ApiKey out to use Connect-Highway's or $env:" + ApiKeyVariable + ". Nothing was sent.");
            }
            if (apiKeyParameter != null)
            {
                key = apiKeyParameter;
                source = "the -ApiKey parameter";
            }
            else if (connectedKey != null)
            {
                key = connectedKey;
                source = "Connect-Highway";
            }
            else if (Environment.GetEnvironmentVariable(ApiKeyVariable) is string fromEnv && fromEnv.Trim().Length > 0)
            {
                key = ToSecureString(fromEnv.Trim());
                source = "$env:" + ApiKeyVariable;
            }
            else
            {
                key = null;
                source = "nowhere";
            }

            Uri baseUri;
            if (baseUriParameter != null)
                baseUri = ValidateBaseUri(baseUriParameter.OriginalString, "-BaseUri");
            else if (connectedBaseUri != null)
                baseUri = connectedBaseUri;
            else if (Environment.GetEnvironmentVariable(BaseUriVariable) is string envUri && envUri.Trim().Length > 0)
                baseUri = ValidateBaseUri(envUri.Trim(), "$env:" + BaseUriVariable);
            else
                baseUri = DefaultBaseUri;

            proxy?.CheckRoute(baseUri);
            return new HighwayConnection(key, source, baseUri, proxy);
        }

        /// <summary>
        /// Accepts https anywhere and plain http only on a loopback address, because every API
        /// request carries the key. Normalises to a trailing slash so relative paths append.
        /// </summary>
        public static Uri ValidateBaseUri(string text, string from)
        {
            // A bare host name ("api.highwayapi.ai", "localhost:5080") means https, the only scheme that
            // may carry the key off this machine. A relative path ("api/v3") is still refused below.
            string host = text.Trim().Split('/')[0];
            if (text.IndexOf("://", StringComparison.Ordinal) < 0 && !text.Trim().Any(char.IsWhiteSpace)
                && (host.IndexOf('.') > 0 || host.IndexOf(':') > 0 || host.Equals("localhost", StringComparison.OrdinalIgnoreCase)))
                text = "https://" + text.Trim();
            string shown = Redact(text);
            if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            {
                throw new HailuoException(ErrorIds.InvalidBaseUri,
                    $"The base URI from {from} ('{shown}') is not an absolute http or https URI.");
            }
            if (uri.Scheme == Uri.UriSchemeHttp && !IsLoopback(uri))
            {
                throw new HailuoException(ErrorIds.InvalidBaseUri,
                    $"The base URI from {from} ('{shown}') uses plain http; the API key may only travel over https (plain http is allowed for a loopback address only, for testing).");
            }
            if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
            {
                throw new HailuoException(ErrorIds.InvalidBaseUri,
                    $"The base URI from {from} ('{shown}') must not carry a query, fragment or user information.");
            }
            var builder = new UriBuilder(uri);
            if (!builder.Path.EndsWith("/", StringComparison.Ordinal))
                builder.Path += "/";
            return builder.Uri;
        }

        /// <summary>A base URI as errors may show it: user information and query removed, since either can hold a secret.</summary>
        public static string Redact(string text)
        {
            string shown = text;
            int query = shown.IndexOfAny(new[] { '?', '#' });
            if (query >= 0)
                shown = shown.Substring(0, query) + "?...";
            int scheme = shown.IndexOf("://", StringComparison.Ordinal);
            int at = shown.IndexOf('@');
            if (at >= 0)
                shown = (scheme >= 0 && scheme < at ? shown.Substring(0, scheme + 3) : "") + "...@" + shown.Substring(at + 1);
            return shown;
        }

        public static bool IsLoopback(Uri uri)
        {
            if (uri.IsLoopback)
                return true;
            string host = uri.Host.Trim('[', ']');
            return IPAddress.TryParse(host, out var ip) && IPAddress.IsLoopback(ip);
        }

        /// <summary>The key as text, for the one place that builds the Authorization header.</summary>
        public string? RevealKey()
        {
            if (ApiKey == null)
                return null;
            IntPtr ptr = IntPtr.Zero;
            try
            {
                ptr = Marshal.SecureStringToGlobalAllocUnicode(ApiKey);
                return Marshal.PtrToStringUni(ptr);
            }
            finally
            {
                if (ptr != IntPtr.Zero)
                    Marshal.ZeroFreeGlobalAllocUnicode(ptr);
            }
        }

        public static SecureString ToSecureString(string text)
        {
            var secure = new SecureString();
            foreach (char c in text)
                secure.AppendChar(c);
            secure.MakeReadOnly();
            return secure;
        }
    }
}
