// Downloads a finished video from the storage host: streamed to a temporary file beside the
// destination and renamed into place only when it is known to be whole, so a partial file never
// carries the final name. Uses the download client, which never carries the API key.
//
// Whole means proven: the body matched its Content-Length (or its Content-Range total), or it came
// chunked and the chunked framing ended properly. A body that simply stops (no length, no chunking)
// proves nothing, so the host is asked for what follows it ("Range: bytes=N-"): a 416 naming N as
// the total proves the file whole, anything more is appended. A host that never gives a length is
// refused rather than trusted.
//
// A download must also keep moving: at least MinimumBytesPerSecond on average over every window of
// StallTimeout (-TimeoutSec), or the attempt is dropped and resumed from what arrived. A host that
// sends one byte a second is cut off after one window, not after the whole video.
using System;
using System.Buffers;
using System.Globalization;
using System.IO;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using HighwayHailuo.Api;
using HighwayHailuo.Errors;
using HighwayHailuo.FlowControl;

namespace HighwayHailuo.Saving
{
    internal sealed class VideoDownloader
    {
        internal const int BufferBytes = 1024 * 1024;

        private readonly HttpClient _http;
        private readonly RequestGate _gate;
        private readonly RetryPolicy _retry;
        private readonly IClientLog? _log;
        private readonly DownloadOptions _options;
        private readonly string? _secret;

        public VideoDownloader(RequestGate gate, RetryPolicy retry, IClientLog? log, DownloadOptions? options = null)
        {
            _gate = gate;
            _retry = retry;
            _log = log;
            _options = options ?? new DownloadOptions();
            _secret = _options.Secret;
            _http = _options.Http ?? _options.Proxy?.Download ?? HttpClients.Download;
        }

        private Action<long>? BytesWritten => _options.BytesWritten;
        private ProxySettings? Proxy => _options.Proxy;
        private TimeSpan StallTimeout => _options.StallTimeout;
        private long MinimumBytesPerSecond => _options.MinimumBytesPerSecond;

        /// <summary>
        /// Downloads <paramref name="url"/> to <paramref name="finalPath"/>. When the storage host
        /// answers 401/403/404/410 (typically an expired link), <paramref name="refreshUrl"/> is asked
        /// once for a fresh link. Returns the number of bytes written.
        /// </summary>
        public async Task<long> DownloadAsync(string taskId, Uri url, string finalPath, bool overwrite,
            Func<CancellationToken, Task<Uri?>> refreshUrl, CancellationToken cancellationToken)
        {
            string tempPath = finalPath + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".partial";
            bool refreshed = false;
            int unproven = 0;
            var version = new StoredVersion();
            try
            {
                for (int attempt = 1; ; attempt++)
                {
                    HailuoException failure;
                    try
                    {
                        if (await DownloadOnceAsync(taskId, url, tempPath, version, cancellationToken).ConfigureAwait(false))
                        {
                            MoveIntoPlace(taskId, tempPath, finalPath, overwrite);
                            return new FileInfo(finalPath).Length;
                        }
                        // The body stopped without a length that proves it whole: ask for what follows it.
                        if (++unproven >= _retry.MaxAttempts)
                            throw Failed(taskId, $"the video host sent it {unproven} times without saying how long it is, and would not confirm its end, so it cannot be told from a cut-off download", null, retryable: false, null);
                        _log?.Verbose($"The video of task '{taskId}' arrived without a length ({new FileInfo(tempPath).Length:N0} bytes); asking the video host whether more follows.");
                        attempt--; // a check, not a failed attempt
                        continue;
                    }
                    catch (HailuoException ex) when (ex.StatusCode is int s && (s == 401 || s == 403 || s == 404 || s == 410) && !refreshed)
                    {
                        refreshed = true;
                        _log?.Verbose($"The video link of task '{taskId}' was refused ({s}); asking task-result for a fresh one.");
                        var fresh = await refreshUrl(cancellationToken).ConfigureAwait(false);
                        if (fresh == null)
                            throw;
                        url = fresh;
                        attempt--; // a fresh link is not a failed attempt
                        continue;
                    }
                    catch (HailuoException ex) when (ex.Retryable)
                    {
                        failure = ex;
                    }

                    if (_retry.Next(failure, attempt, out TimeSpan delay) is HailuoException final)
                        throw final;
                    _log?.Verbose(string.Format(CultureInfo.InvariantCulture, "{0} Retrying in {1:0.0} s.", failure.Message, delay.TotalSeconds));
                    await _retry.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                TryDelete(tempPath);
            }
        }

        /// <summary>
        /// One request: the video, or the rest of it after what the temporary file already holds.
        /// Returns true when the file is proven whole, false when the body ended without proof.
        /// </summary>
        private async Task<bool> DownloadOnceAsync(string taskId, Uri url, string tempPath, StoredVersion version, CancellationToken cancellationToken)
        {
            using var slot = await _gate.EnterAsync(cancellationToken).ConfigureAwait(false);
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            stall.CancelAfter(StallTimeout);
            // What an earlier attempt of this download left in the temporary file is kept: the
            // storage host is asked for the rest only (Range), and the file is restarted if it
            // answers with the whole video instead.
            long resumeFrom = File.Exists(tempPath) ? new FileInfo(tempPath).Length : 0;
            HttpResponseMessage response;
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                if (resumeFrom > 0)
                {
                    request.Headers.Range = new RangeHeaderValue(resumeFrom, null);
                    // Only the rest of the same stored file: a changed one is sent whole (200) and restarts.
                    if (version.Condition != null)
                        request.Headers.IfRange = version.Condition;
                }
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stall.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                if (ProxySettings.RefusedTunnel(ex))
                    throw ProxySettings.AuthenticationRequired(Proxy, "407", "the video was not downloaded");
                throw Failed(taskId, ex is OperationCanceledException
                    ? $"the video host did not answer within {StallTimeout.TotalSeconds:0} s"
                    : "could not reach the video host " + url.Host + ": " + ServerText.Safe(ex.GetBaseException().Message, _secret), null, retryable: true, ex);
            }

            using (response)
            {
                int status = (int)response.StatusCode;
                _log?.Verbose($"GET {url.Host}{url.AbsolutePath}{(resumeFrom > 0 ? " from byte " + resumeFrom.ToString(CultureInfo.InvariantCulture) : "")} -> {status} (task {taskId})");
                if (status == 416)
                {
                    // Nothing follows what the file holds: when the host names that as the whole
                    // length, the file is complete; otherwise the kept part does not fit, start over.
                    if (resumeFrom > 0 && response.Content.Headers.ContentRange?.Length == resumeFrom)
                        return true;
                    TryDelete(tempPath);
                    throw Failed(taskId, "the video host refused to resume the download (416)", status, retryable: true, null);
                }
                if (status == 407)
                    throw ProxySettings.AuthenticationRequired(Proxy, "407 " + ServerText.Safe(response.ReasonPhrase, _secret, 80), "the video was not downloaded");
                if (status < 200 || status > 299)
                {
                    bool retryable = status == 408 || status == 429 || status >= 500;
                    throw new HailuoException(ErrorIds.VideoDownloadFailed,
                        $"Could not download the video of task '{taskId}': the video host answered {status} {ServerText.Safe(response.ReasonPhrase, _secret, 80)}.", status,
                        retryable: retryable, retryAfter: ApiResponse.ParseRetryAfter(response.Headers.RetryAfter));
                }

                // A proxy's or captive portal's page answered for the video: never saved as one.
                string? media = response.Content.Headers.ContentType?.MediaType;
                if (media != null && (media.StartsWith("text/", StringComparison.OrdinalIgnoreCase) || media.EndsWith("/json", StringComparison.OrdinalIgnoreCase)
                    || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("/xml", StringComparison.OrdinalIgnoreCase)))
                    throw Failed(taskId, $"the video host answered with a page ({ServerText.Safe(media, _secret, 60)}), not a video", status, retryable: true, null);

                var range = response.Content.Headers.ContentRange;
                bool resumed = status == 206 && range != null && range.From == resumeFrom;
                if (!resumed)
                    version.Remember(response); // the file this download now holds the start of
                if (status == 206 && !resumed)
                {
                    TryDelete(tempPath);
                    throw Failed(taskId, "the video host sent a part of the video that was not asked for", status, retryable: true, null);
                }
                long start = resumed ? resumeFrom : 0;
                long? expected = resumed
                    ? range!.Length ?? (response.Content.Headers.ContentLength + start)
                    : response.Content.Headers.ContentLength;
                // Chunked framing has its own end: a body cut inside it fails the read. It proves a whole
                // answer, not that a part (206 with no total) reached the end of the file.
                bool framed = response.Headers.TransferEncodingChunked == true && !resumed;
                long written = await CopyBodyAsync(taskId, response, tempPath, resumed, start, stall, cancellationToken).ConfigureAwait(false);

                if (expected.HasValue && expected.Value != written)
                    throw Failed(taskId, $"expected {expected.Value:N0} bytes but received {written:N0}", status, retryable: true, null);
                return expected.HasValue || framed;
            }
        }

        /// <summary>
        /// Streams the body into the temporary file and returns its length. A drop or a too-slow
        /// host is VideoDownloadFailed (retryable; what arrived is kept for the next attempt); a
        /// local write failure is VideoWriteFailed and never retried.
        /// </summary>
        private async Task<long> CopyBodyAsync(string taskId, HttpResponseMessage response, string tempPath, bool append, long start,
            CancellationTokenSource stall, CancellationToken cancellationToken)
        {
            long written = start;
            FileStream target;
            try
            {
                // A synchronous handle: writes land in the page cache at memory speed, where an
                // asynchronous handle on Linux sends every write through the thread pool (measured:
                // about 0.8x of a bare copy with it, 0.9-1.0x without; docs/performance.md).
                target = new FileStream(tempPath, append ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1, useAsync: false);
            }
            catch (IOException ex) when (IoFailure.IsSharingConflict(ex))
            {
                // Another program (a virus scanner, a sync client) holds the file for a moment.
                throw Failed(taskId, "its temporary file is in use by another program", null, retryable: true, ex);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw WriteFailed(taskId, tempPath, ex, everyFile: ex is UnauthorizedAccessException || IoFailure.AffectsEveryFile((IOException)ex));
            }

            // Two pooled buffers: the next read from the network overlaps the write of the last one to disk.
            var buffers = new[] { ArrayPool<byte>.Shared.Rent(BufferBytes), ArrayPool<byte>.Shared.Rent(BufferBytes) };
            Task pendingWrite = Task.CompletedTask;
            // The host must deliver this much within every StallTimeout window, or the attempt ends.
            long perWindow = Math.Max(1, (long)(MinimumBytesPerSecond * StallTimeout.TotalSeconds));
            long sinceWindow = 0;
            try
            {
                using (target)
                {
                    using var source = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                    for (int turn = 0; ; turn ^= 1)
                    {
                        // Fill a whole buffer from the network (it arrives in small pieces), so the
                        // disk gets few large writes instead of a thread hop per network read.
                        int filled = 0;
                        try
                        {
                            while (filled < BufferBytes)
                            {
                                int n = await source.ReadAsync(buffers[turn], filled, BufferBytes - filled, stall.Token).ConfigureAwait(false);
                                if (n == 0)
                                    break;
                                filled += n;
                                sinceWindow += n;
                                if (sinceWindow >= perWindow)
                                {
                                    stall.CancelAfter(StallTimeout); // enough this window: a new one starts
                                    sinceWindow = 0;
                                }
                            }
                        }
                        catch (Exception readFailure) when (filled > 0 && !cancellationToken.IsCancellationRequested && !(readFailure is HailuoException))
                        {
                            // Keep what arrived before the drop, so the next attempt resumes after it.
                            await Write(pendingWrite).ConfigureAwait(false);
                            pendingWrite = Task.CompletedTask;
                            await Write(target.WriteAsync(buffers[turn], 0, filled, cancellationToken)).ConfigureAwait(false);
                            written += filled;
                            BytesWritten?.Invoke(filled);
                            throw;
                        }
                        await Write(pendingWrite).ConfigureAwait(false);
                        if (filled == 0)
                            break;
                        pendingWrite = target.WriteAsync(buffers[turn], 0, filled, cancellationToken);
                        written += filled;
                        BytesWritten?.Invoke(filled);
                    }
                    await Write(target.FlushAsync(cancellationToken)).ConfigureAwait(false);
                }
                return written;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !(ex is HailuoException))
            {
                string why = ex is OperationCanceledException
                    ? string.Format(CultureInfo.InvariantCulture, "the video host sent less than {0:N0} KB a second for {1:0} s (after {2:N0} bytes)",
                        MinimumBytesPerSecond / 1024.0, StallTimeout.TotalSeconds, written)
                    : "the connection dropped after " + written.ToString("N0", CultureInfo.InvariantCulture) + " bytes (" + ServerText.Safe(ex.GetBaseException().Message, _secret) + ")";
                throw Failed(taskId, why, (int)response.StatusCode, retryable: true, ex);
            }
            finally
            {
                // Never return a buffer under a write still in flight. If the loop failed, its own
                // exception is the one that propagates; the write's outcome no longer matters.
                try { await pendingWrite.ConfigureAwait(false); } catch (Exception) { }
                ArrayPool<byte>.Shared.Return(buffers[0]);
                ArrayPool<byte>.Shared.Return(buffers[1]);
            }

            // A failed write to the local disk is not the network's fault: it is never retried.
            async Task Write(Task write)
            {
                try
                {
                    await write.ConfigureAwait(false);
                }
                catch (Exception ex) when ((ex is IOException || ex is UnauthorizedAccessException) && !cancellationToken.IsCancellationRequested)
                {
                    throw WriteFailed(taskId, tempPath, ex, everyFile: ex is IOException io && IoFailure.AffectsEveryFile(io));
                }
            }
        }

        private static void MoveIntoPlace(string taskId, string tempPath, string finalPath, bool overwrite)
        {
            try
            {
                if (overwrite && File.Exists(finalPath))
                    File.Replace(tempPath, finalPath, null);
                else
                    File.Move(tempPath, finalPath);
            }
            catch (IOException) when (!overwrite && File.Exists(finalPath))
            {
                throw new HailuoException(ErrorIds.VideoFileExists,
                    $"The file '{finalPath}' appeared while the video of task '{taskId}' was downloading; use -Force to overwrite it.");
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw WriteFailed(taskId, finalPath, ex, everyFile: ex is IOException io && IoFailure.AffectsEveryFile(io));
            }
        }

        /// <summary>Which stored file a download holds the start of: its ETag, or else its Last-Modified date.</summary>
        private sealed class StoredVersion
        {
            public RangeConditionHeaderValue? Condition { get; private set; }

            public void Remember(HttpResponseMessage response)
            {
                if (response.Headers.ETag is EntityTagHeaderValue tag && !tag.IsWeak)
                    Condition = new RangeConditionHeaderValue(tag);
                else if (response.Content.Headers.LastModified is DateTimeOffset modified)
                    Condition = new RangeConditionHeaderValue(modified);
                else
                    Condition = null;
            }
        }

        private static HailuoException Failed(string taskId, string why, int? status, bool retryable, Exception? inner) =>
            new HailuoException(ErrorIds.VideoDownloadFailed,
                $"Could not download the video of task '{taskId}': {why}.", status, retryable: retryable, inner: inner);

        /// <summary>
        /// The local disk refused the video: never retried, and nothing more is fetched for it. When
        /// every file there would fail the same way (no permission to create one, a read-only or full
        /// disk), the whole call stops.
        /// </summary>
        internal static HailuoException WriteFailed(string taskId, string path, Exception ex, bool everyFile) =>
            new HailuoException(ErrorIds.VideoWriteFailed,
                $"Could not write the video of task '{taskId}' to '{path}': {(ex is IOException io && IoFailure.IsDiskFull(io) ? "the disk is full" : ex.Message)}." +
                (everyFile ? " No other video can be written there either, so nothing more is downloaded." : ""),
                terminating: everyFile, inner: ex);

        internal static void TryDelete(string path)
        {
            try
            {
                if (File.Exists(path))
                    File.Delete(path);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }
    }

    /// <summary>How one call's downloads behave, fixed when the downloader is made.</summary>
    internal sealed class DownloadOptions
    {
        /// <summary>The HTTP client; null: the proxy's, else the shared one.</summary>
        public System.Net.Http.HttpClient? Http { get; set; }

        /// <summary>Connect-Highway's proxy, whose client is used and which its errors name; null: the system proxy.</summary>
        public ProxySettings? Proxy { get; set; }

        /// <summary>The API key. It is never sent to the video host, but kept out of anything the host answers all the same.</summary>
        public string? Secret { get; set; }

        /// <summary>Told of every piece of a video written to disk (its size), from any thread: for progress.</summary>
        public Action<long>? BytesWritten { get; set; }

        /// <summary>The window over which a download must keep up <see cref="MinimumBytesPerSecond"/> (-TimeoutSec).</summary>
        public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>The slowest average a download may have over any <see cref="StallTimeout"/> window.</summary>
        public long MinimumBytesPerSecond { get; set; } = 1024;
    }
}
