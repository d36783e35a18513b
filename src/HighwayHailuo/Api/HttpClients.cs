// The module's shared HTTP clients (the API's, the downloads', a blob journal's), created on first
// use so that importing the module stays cheap
// (Connect-Highway -Proxy makes a pair of its own: Api/ProxySettings.cs).
// The API client never follows redirects (a redirect could carry the key elsewhere); the download
// client never carries the key at all, so no code path can send it to the video host.
using System;
using System.Net;
using System.Net.Http;
using System.Threading;

namespace HighwayHailuo.Api
{
    internal static class HttpClients
    {
        // Enough connections per server for the largest -ThrottleLimit.
        internal const int MaxConnectionsPerServer = 64;

        private static readonly Lazy<HttpClient> s_api = new Lazy<HttpClient>(() => Create(allowRedirects: false, decompress: true), LazyThreadSafetyMode.ExecutionAndPublication);
        // Videos are asked for as they are stored (no Accept-Encoding): a resumed download counts bytes
        // of the file itself, which a gzip-encoded answer's Range offsets would not be.
        private static readonly Lazy<HttpClient> s_download = new Lazy<HttpClient>(() => Create(allowRedirects: true, decompress: false), LazyThreadSafetyMode.ExecutionAndPublication);

        // Blob journals (-Journal https://...): no redirects (a redirect could carry the SAS elsewhere), no key.
        private static readonly Lazy<HttpClient> s_storage = new Lazy<HttpClient>(() => Create(allowRedirects: false, decompress: false), LazyThreadSafetyMode.ExecutionAndPublication);

        public static HttpClient Api => s_api.Value;
        public static HttpClient Storage => s_storage.Value;
        public static HttpClient Download => s_download.Value;

        /// <summary>A client; <paramref name="proxy"/> null means the system proxy.</summary>
        internal static HttpClient Create(bool allowRedirects, bool decompress, IWebProxy? proxy = null)
        {
            var handler = new HttpClientHandler
            {
                AllowAutoRedirect = allowRedirects,
                UseCookies = false,
                MaxConnectionsPerServer = MaxConnectionsPerServer,
            };
            if (proxy != null)
            {
                handler.UseProxy = true;
                handler.Proxy = proxy;
            }
            if (decompress && handler.SupportsAutomaticDecompression)
                handler.AutomaticDecompression = DecompressionMethods.GZip | DecompressionMethods.Deflate;
            // Timeouts are per request (linked cancellation tokens), so the client itself never times out.
            var client = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
            client.DefaultRequestHeaders.UserAgent.ParseAdd("HighwayHailuo/" + typeof(HttpClients).Assembly.GetName().Version!.ToString(3));
            return client;
        }
    }
}
