// Downloads a finished video from the storage host: streamed to a temporary file beside the
// destination and renamed into place only when complete, so a partial file never carries the
// final name. Uses the download client, which never carries the API key.
using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net.Http;
using System.Net.Http.Headers;
using System.Threading;
using System.Threading.Tasks;
using HighwayHailuo.Api;
using HighwayHailuo.Errors;

namespace HighwayHailuo.Saving
{
    internal sealed class VideoDownloader
    {
        internal const int BufferBytes = 1024 * 1024;

        private readonly HttpClient _http;
        private readonly RequestGate _gate;
        private readonly RetryPolicy _retry;
        private readonly IClientLog? _log;

        public VideoDownloader(RequestGate gate, RetryPolicy retry, IClientLog? log, HttpClient? http = null)
        {
            _gate = gate;
            _retry = retry;
            _log = log;
            _http = http ?? HttpClients.Download;
        }

        /// <summary>No bytes for this long and the attempt is dropped and retried.</summary>
        public TimeSpan StallTimeout { get; set; } = TimeSpan.FromSeconds(60);

        /// <summary>
        /// Downloads <paramref name="url"/> to <paramref name="finalPath"/>. When the storage host
        /// answers 403/404/410 (typically an expired link), <paramref name="refreshUrl"/> is asked
        /// once for a fresh link. Returns the number of bytes written.
        /// </summary>
        public async Task<long> DownloadAsync(string taskId, Uri url, string finalPath, bool overwrite,
            Func<CancellationToken, Task<Uri?>> refreshUrl, CancellationToken cancellationToken)
        {
            string tempPath = finalPath + "." + Guid.NewGuid().ToString("N").Substring(0, 8) + ".partial";
            bool refreshed = false;
            try
            {
                for (int attempt = 1; ; attempt++)
                {
                    HailuoException failure;
                    try
                    {
                        return await DownloadOnceAsync(taskId, url, tempPath, finalPath, overwrite, cancellationToken).ConfigureAwait(false);
                    }
                    catch (HailuoException ex) when (ex.StatusCode is int s && (s == 403 || s == 404 || s == 410) && !refreshed)
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

                    if (attempt >= _retry.MaxAttempts)
                        throw new HailuoException(failure.ErrorId,
                            failure.Message + $" Gave up after {attempt} attempts.", failure.StatusCode, inner: failure.InnerException);
                    var delay = failure.RetryAfter is TimeSpan ra && ra <= _retry.MaxRetryAfter ? ra : _retry.BackoffAfter(attempt);
                    _log?.Verbose(string.Format(CultureInfo.InvariantCulture, "{0} Retrying in {1:0.0} s.", failure.Message, delay.TotalSeconds));
                    await _retry.Delay(delay, cancellationToken).ConfigureAwait(false);
                }
            }
            finally
            {
                TryDelete(tempPath);
            }
        }

        private async Task<long> DownloadOnceAsync(string taskId, Uri url, string tempPath, string finalPath, bool overwrite, CancellationToken cancellationToken)
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
                    request.Headers.Range = new RangeHeaderValue(resumeFrom, null);
                response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, stall.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw Failed(taskId, "could not reach the video host " + url.Host + ": " + ex.GetBaseException().Message, null, retryable: true, ex);
            }

            using (response)
            {
                int status = (int)response.StatusCode;
                _log?.Verbose($"GET {url.Host}{url.AbsolutePath}{(resumeFrom > 0 ? " from byte " + resumeFrom.ToString(CultureInfo.InvariantCulture) : "")} -> {status} (task {taskId})");
                if (status == 416)
                {
                    TryDelete(tempPath); // the kept part does not fit the video any more: start over
                    throw Failed(taskId, "the video host refused to resume the download (416)", status, retryable: true, null);
                }
                if (status < 200 || status > 299)
                {
                    bool retryable = status == 408 || status == 429 || status >= 500;
                    throw new HailuoException(ErrorIds.VideoDownloadFailed,
                        $"Could not download the video of task '{taskId}': the video host answered {status} {response.ReasonPhrase}.", status,
                        retryable: retryable, retryAfter: ApiResponse.ParseRetryAfter(response.Headers.RetryAfter));
                }

                var range = response.Content.Headers.ContentRange;
                bool resumed = status == 206 && range != null && range.From == resumeFrom;
                if (status == 206 && !resumed)
                {
                    TryDelete(tempPath);
                    throw Failed(taskId, "the video host sent a part of the video that was not asked for", status, retryable: true, null);
                }
                long start = resumed ? resumeFrom : 0;
                long? expected = resumed
                    ? range!.Length ?? (response.Content.Headers.ContentLength + start)
                    : response.Content.Headers.ContentLength;
                long written = start;
                try
                {
                    using var source = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
                    // A synchronous handle: writes land in the page cache at memory speed, where an
                    // asynchronous handle on Linux sends every write through the thread pool (measured:
                    // about 0.8x of a bare copy with it, 0.9-1.0x without; docs/performance.md).
                    using var target = new FileStream(tempPath, resumed ? FileMode.Append : FileMode.Create, FileAccess.Write, FileShare.None, 1, useAsync: false);
                    // Two buffers: the next read from the network overlaps the write of the last one to disk.
                    var buffers = new[] { new byte[BufferBytes], new byte[BufferBytes] };
                    Task pendingWrite = Task.CompletedTask;
                    try
                    {
                        for (int turn = 0; ; turn ^= 1)
                        {
                            // Fill a whole buffer from the network (it arrives in small pieces), so the
                            // disk gets few large writes instead of a thread hop per network read.
                            int filled = 0;
                            try
                            {
                                while (filled < BufferBytes)
                                {
                                    stall.CancelAfter(StallTimeout); // the stall clock restarts with every read
                                    int n = await source.ReadAsync(buffers[turn], filled, BufferBytes - filled, stall.Token).ConfigureAwait(false);
                                    if (n == 0)
                                        break;
                                    filled += n;
                                }
                            }
                            catch (Exception) when (filled > 0 && !cancellationToken.IsCancellationRequested)
                            {
                                // Keep what arrived before the drop, so the next attempt resumes after it.
                                await pendingWrite.ConfigureAwait(false);
                                pendingWrite = Task.CompletedTask;
                                target.Write(buffers[turn], 0, filled);
                                written += filled;
                                throw;
                            }
                            await pendingWrite.ConfigureAwait(false);
                            if (filled == 0)
                                break;
                            pendingWrite = target.WriteAsync(buffers[turn], 0, filled, cancellationToken);
                            written += filled;
                        }
                    }
                    finally
                    {
                        // Never dispose the file under a write still in flight. If the loop failed, its own
                        // exception is the one that propagates; the write's outcome no longer matters.
                        try { await pendingWrite.ConfigureAwait(false); } catch (Exception) { }
                    }
                    await target.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
                catch (Exception ex) when (!cancellationToken.IsCancellationRequested && !(ex is UnauthorizedAccessException))
                {
                    if (ex is IOException io && IoFailure.IsDiskFull(io)) // not worth retrying
                        throw new HailuoException(ErrorIds.VideoWriteFailed,
                            $"Could not write the video of task '{taskId}' to '{tempPath}': {ex.Message}", inner: ex);
                    string why = ex is OperationCanceledException
                        ? $"no data for {StallTimeout.TotalSeconds:0} s"
                        : "the connection dropped after " + written.ToString("N0", CultureInfo.InvariantCulture) + " bytes (" + ex.GetBaseException().Message + ")";
                    throw Failed(taskId, why, status, retryable: true, ex);
                }

                if (expected.HasValue && expected.Value != written)
                    throw Failed(taskId, $"expected {expected.Value:N0} bytes but received {written:N0}", status, retryable: true, null);
            }

            MoveIntoPlace(taskId, tempPath, finalPath, overwrite);
            return new FileInfo(finalPath).Length;
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
        }

        private static HailuoException Failed(string taskId, string why, int? status, bool retryable, Exception? inner) =>
            new HailuoException(ErrorIds.VideoDownloadFailed,
                $"Could not download the video of task '{taskId}': {why}.", status, retryable: retryable, inner: inner);

        /// <summary>
        /// Deletes what a killed save left beside <paramref name="finalPath"/>: its ".xxxxxxxx.partial"
        /// files. Call only while holding the file's save lock, when no live process can be writing one.
        /// </summary>
        public static void RemoveAbandonedPartials(string finalPath)
        {
            string? folder = Path.GetDirectoryName(finalPath);
            string name = Path.GetFileName(finalPath);
            if (string.IsNullOrEmpty(folder) || !Directory.Exists(folder))
                return;
            try
            {
                foreach (var file in Directory.EnumerateFiles(folder, name + ".*.partial"))
                {
                    string middle = Path.GetFileName(file).Substring(name.Length + 1);
                    if (middle.Length == 8 + ".partial".Length && middle.Substring(0, 8).All(Uri.IsHexDigit))
                        TryDelete(file);
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Left for the next save; it never carries the final name.
            }
        }

        private static void TryDelete(string path)
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
}
