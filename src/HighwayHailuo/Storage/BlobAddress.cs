// A blob URL as a user passes it to -Journal: the part that may be shown (scheme://host/path) and
// its SAS query, which is a secret like the API key. Only RequestUri puts the two together, for
// the request itself; every message names the blob by DisplayUrl. Sibling blobs (the claims) are
// made by adding to the path, so the account never has to be found in the URL: host-style
// (https://acct.blob.core.windows.net/c/b) and Azurite's path-style URLs work alike.
using System;
using System.Globalization;
using System.Text.RegularExpressions;
using HighwayHailuo.Errors;

namespace HighwayHailuo.Storage
{
    internal sealed class BlobAddress
    {
        private readonly string _sasQuery;

        private BlobAddress(string displayUrl, string sasQuery)
        {
            DisplayUrl = displayUrl;
            _sasQuery = sasQuery;
        }

        /// <summary>scheme://host[:port]/path without the query: safe to show.</summary>
        public string DisplayUrl { get; }

        /// <summary>Whether -Journal names a blob rather than a file.</summary>
        public static bool IsBlobUrl(string value) =>
            value.StartsWith("https://", StringComparison.OrdinalIgnoreCase) || value.StartsWith("http://", StringComparison.OrdinalIgnoreCase);

        /// <summary>Reads a journal URL; a URL that cannot work is JournalUrlInvalid, named without its query.</summary>
        public static BlobAddress Parse(string url)
        {
            if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
                throw Invalid(Redact(url), "it is not an http(s) URL");
            string display = uri.GetLeftPart(UriPartial.Path);
            if (uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback)
                throw Invalid(display, "it is plain http to another machine, which would send its SAS token unencrypted; use https");
            if (!string.IsNullOrEmpty(uri.UserInfo))
                throw Invalid(display, "it carries a user name; a blob journal is authorised by a SAS token in its query only");
            string path = uri.AbsolutePath.Trim('/');
            if (path.Split('/').Length < 2)
                throw Invalid(display, "it names no blob inside a container (https://ACCOUNT.blob.core.windows.net/CONTAINER/BLOB?SAS)");
            if (path.EndsWith("/", StringComparison.Ordinal) || display.EndsWith("/", StringComparison.Ordinal))
                throw Invalid(display, "it ends with '/', which names a folder, not a blob");
            string query = uri.Query.StartsWith("?", StringComparison.Ordinal) ? uri.Query.Substring(1) : uri.Query;
            return new BlobAddress(display, query);
        }

        /// <summary>A SAS parameter's value (sr, sp, se, st, srt, sig), or null.</summary>
        public string? Sas(string name)
        {
            foreach (var part in _sasQuery.Split('&'))
            {
                int eq = part.IndexOf('=');
                if (eq > 0 && string.Equals(part.Substring(0, eq), name, StringComparison.Ordinal))
                    return Uri.UnescapeDataString(part.Substring(eq + 1));
            }
            return null;
        }

        /// <summary>The blob whose name is this one's plus <paramref name="suffix"/>, with the same SAS.</summary>
        public BlobAddress WithSuffix(string suffix) => new BlobAddress(DisplayUrl + suffix, _sasQuery);

        /// <summary>The URL to send: the operation's query (comp=lease), then the SAS.</summary>
        public Uri RequestUri(string? operation)
        {
            string query = operation ?? "";
            if (_sasQuery.Length > 0)
                query = query.Length > 0 ? query + "&" + _sasQuery : _sasQuery;
            return new Uri(query.Length > 0 ? DisplayUrl + "?" + query : DisplayUrl);
        }

        public override string ToString() => DisplayUrl;

        private static readonly Regex s_queryOfUrl = new Regex(@"(https?://[^\s?#""'<>]+)\?[^\s#""'<>]*",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        private static readonly Regex s_signature = new Regex(@"(?<=(^|[?&\s;])sig=)[^&\s""'<>;]+",
            RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);

        /// <summary>Any text with the query of every URL in it, and any stray sig= value, removed.</summary>
        public static string Redact(string text)
        {
            if (string.IsNullOrEmpty(text))
                return text;
            return s_signature.Replace(s_queryOfUrl.Replace(text, "$1?<SAS removed>"), "<removed>");
        }

        private static HailuoException Invalid(string shown, string why) =>
            new HailuoException(ErrorIds.JournalUrlInvalid, string.Format(CultureInfo.InvariantCulture,
                "The journal URL '{0}' cannot be used: {1}. Nothing was sent.", shown, why));
    }
}
