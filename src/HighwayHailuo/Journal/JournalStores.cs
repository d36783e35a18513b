// Which store a -Journal value names: an http(s) URL is an append blob in Azure Storage (its SAS
// checked before any request), anything else a file path.
using System;
using HighwayHailuo.Api;
using HighwayHailuo.Errors;
using HighwayHailuo.Storage;

namespace HighwayHailuo.Journal
{
    internal static class JournalStores
    {
        /// <summary>A SAS that ends sooner than this after the start of a run gets a warning.</summary>
        public static readonly TimeSpan ExpiryMargin = TimeSpan.FromHours(1);

        /// <summary>
        /// The store a -Journal value names. <paramref name="resolvePath"/> turns a PowerShell path into
        /// a file system path. <paramref name="writes"/>: the journal will be written (its SAS must grant
        /// writing). A blob URL's problems that can be seen locally are thrown here, before any request.
        /// </summary>
        public static IJournalStore For(string value, Func<string, string> resolvePath, bool writes, out string? warning)
        {
            warning = null;
            if (!BlobAddress.IsBlobUrl(value))
                return new FileJournalStore(resolvePath(value));
            var address = BlobAddress.Parse(value);
            var now = DateTimeOffset.UtcNow;
            var problem = SasCheck.Problem(address, writes, now);
            if (problem != null)
                throw problem;
            if (writes)
                warning = SasCheck.ExpiryWarning(address, now, ExpiryMargin);
            return new BlobJournalStore(address, HttpClients.Storage);
        }

        /// <summary>How messages and error targets name a -Journal value: a blob URL without its SAS.</summary>
        public static string Shown(string value)
        {
            if (!BlobAddress.IsBlobUrl(value))
                return value;
            try
            {
                return BlobAddress.Parse(value).DisplayUrl;
            }
            catch (HailuoException)
            {
                return BlobAddress.Redact(value);
            }
        }
    }
}
