// One HTTP answer read whole into memory (capped in size), with its status and Retry-After. The
// reason phrase is kept as the server sent it: the client makes it safe (ServerText, key removed)
// before it is shown anywhere.
using System;
using System.Buffers;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;

namespace HighwayHailuo.Api
{
    /// <summary>A fully read (and size-capped) answer.</summary>
    internal sealed class ApiResponse
    {
        public int StatusCode { get; private set; }
        /// <summary>The status line's reason phrase exactly as the server sent it; never show it unsafe.</summary>
        public string? RawReasonPhrase { get; private set; }
        public ReadOnlyMemory<byte> Body { get; private set; }
        public bool Truncated { get; private set; }
        public TimeSpan? RetryAfter { get; private set; }
        public bool IsSuccess => StatusCode >= 200 && StatusCode < 300;

        public static async Task<ApiResponse> ReadAsync(HttpResponseMessage response, int maxBody, CancellationToken cancellationToken)
        {
            var result = new ApiResponse
            {
                StatusCode = (int)response.StatusCode,
                RawReasonPhrase = response.ReasonPhrase,
                RetryAfter = ParseRetryAfter(response.Headers.RetryAfter),
            };
            if (response.Content == null)
                return result;
            using var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
            // Most answers are a few hundred bytes: sized from Content-Length when it is given.
            long? declared = response.Content.Headers.ContentLength;
            var buffer = new MemoryStream(declared is long length && length >= 0 && length <= maxBody ? (int)length : 1024);
            byte[] chunk = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                while (true)
                {
                    int n = await stream.ReadAsync(chunk, 0, chunk.Length, cancellationToken).ConfigureAwait(false);
                    if (n == 0)
                        break;
                    if (buffer.Length + n > maxBody)
                    {
                        result.Truncated = true;
                        break;
                    }
                    buffer.Write(chunk, 0, n);
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
            result.Body = new ReadOnlyMemory<byte>(buffer.GetBuffer(), 0, (int)buffer.Length);
            return result;
        }

        internal static TimeSpan? ParseRetryAfter(RetryConditionHeaderValue? header)
        {
            if (header == null)
                return null;
            if (header.Delta is TimeSpan delta)
                return delta < TimeSpan.Zero ? TimeSpan.Zero : delta;
            if (header.Date is DateTimeOffset date)
            {
                var wait = date - DateTimeOffset.UtcNow;
                return wait < TimeSpan.Zero ? TimeSpan.Zero : wait;
            }
            return null;
        }
    }
}
