// Names for an account (an API host and key) that hold neither: a one-way hash, so the session's
// task list, the rate ledger and error messages can tell accounts apart without keeping the key.
using System;

namespace HighwayHailuo.FlowControl
{
    internal static class AccountNames
    {
        /// <summary>
        /// 16 hex digits of SHA-256 over a purpose, the API host and the key (and more, when given):
        /// a name for an account from which the key cannot be recovered.
        /// </summary>
        public static string Fingerprint(string purpose, Uri baseUri, string? apiKey, string? more = null)
        {
            using var sha = System.Security.Cryptography.SHA256.Create();
            string input = purpose + "\n" + baseUri.GetLeftPart(UriPartial.Authority).ToLowerInvariant() + "\n" + (apiKey ?? "") + (more == null ? "" : "\n" + more);
            byte[] hash = sha.ComputeHash(System.Text.Encoding.UTF8.GetBytes(input));
            return BitConverter.ToString(hash, 0, 8).Replace("-", "").ToLowerInvariant();
        }
    }
}
