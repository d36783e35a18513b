// The few Blob REST operations the blob journal needs, over the module's own HttpClient and
// authorised by the SAS in the URL alone (no account key, no Azure SDK: Az.Storage loads its own
// Azure.Storage.Blobs and Azure.Core into the same session, and a second copy of either is the
// clash this module must not cause; docs/compatibility.md). Every failure becomes an ErrorId that
// says what to fix, and no message or exception carries the SAS.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net;
using System.Net.Http;
using System.Text;
using System.Threading;
using System.Xml.Linq;
using HighwayHailuo.Errors;

namespace HighwayHailuo.Storage
{
    /// <summary>One answer of the storage service (any status).</summary>
    internal sealed class BlobAnswer
    {
        public BlobAnswer(int status, string? errorCode, string? message, string? authDetail, byte[] body, Dictionary<string, string> headers)
        {
            Status = status;
            ErrorCode = errorCode;
            Message = message;
            AuthDetail = authDetail;
            Body = body;
            Headers = headers;
        }

        public int Status { get; }
        public string? ErrorCode { get; }
        public string? Message { get; }
        public string? AuthDetail { get; }
        public byte[] Body { get; }
        public Dictionary<string, string> Headers { get; }
        public bool Succeeded => Status >= 200 && Status < 300;

        public string? Header(string name) => Headers.TryGetValue(name, out var value) ? value : null;
    }

    /// <summary>A request whose answer never came (a connection refused, reset or timed out).</summary>
    internal sealed class BlobUnreachableException : Exception
    {
        public BlobUnreachableException(string message, bool neverSent) : base(message) => NeverSent = neverSent;

        /// <summary>The connection was refused or the name not found: the request cannot have reached the service.</summary>
        public bool NeverSent { get; }
    }

    internal sealed class BlobClient
    {
        // A version every Azure Storage account and Azurite 3.x accept; newer features are not needed.
        public const string ApiVersion = "2021-08-06";
        private static readonly TimeSpan s_requestTimeout = TimeSpan.FromSeconds(30);
        private static readonly TimeSpan[] s_retryDelays = { TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(1.5), TimeSpan.FromSeconds(4) };

        private readonly HttpClient _http;
        private readonly BlobAddress _named;
        private HailuoException? _unreachable;

        /// <summary>A client whose failures name <paramref name="named"/> (the journal, also for requests to its claim blobs).</summary>
        public BlobClient(HttpClient http, BlobAddress named)
        {
            _http = http;
            _named = named;
        }

        /// <summary>
        /// Sends one request. An idempotent one (<paramref name="retry"/>) is tried again after a
        /// server error or a lost connection, three more times over about six seconds; then
        /// <see cref="ErrorIds.JournalStorageUnreachable"/>. Without retry a lost answer is thrown as
        /// <see cref="BlobUnreachableException"/> for the caller to settle.
        /// </summary>
        public BlobAnswer Send(string operation, HttpMethod method, BlobAddress blob, string? query,
            IEnumerable<KeyValuePair<string, string>>? headers, byte[]? body, bool retry)
        {
            // Once the account has not answered through a whole round of retries, the call is ending:
            // every other request of it fails at once instead of waiting out its own retries.
            if (Volatile.Read(ref _unreachable) is HailuoException down)
                throw new HailuoException(down.ErrorId, down.Message);
            for (int attempt = 0; ; attempt++)
            {
                BlobAnswer? answer = null;
                BlobUnreachableException? lost = null;
                try
                {
                    answer = SendOnce(method, blob, query, headers, body);
                }
                catch (BlobUnreachableException ex)
                {
                    lost = ex;
                }
                bool transient = lost != null || answer!.Status >= 500 || answer.Status == 408;
                if (!transient)
                    return answer!;
                if (!retry)
                {
                    if (lost != null)
                        throw lost;
                    return answer!; // the caller decides what a server error means for its write
                }
                if (attempt >= s_retryDelays.Length)
                {
                    var failure = Unreachable(operation, _named, lost != null ? lost.Message
                        : string.Format(CultureInfo.InvariantCulture, "HTTP {0}{1}", answer!.Status, answer.ErrorCode != null ? " " + answer.ErrorCode : ""));
                    Volatile.Write(ref _unreachable, failure);
                    throw failure;
                }
                Thread.Sleep(s_retryDelays[attempt]);
            }
        }

        private BlobAnswer SendOnce(HttpMethod method, BlobAddress blob, string? query,
            IEnumerable<KeyValuePair<string, string>>? headers, byte[]? body)
        {
            using var request = new HttpRequestMessage(method, blob.RequestUri(query));
            request.Headers.TryAddWithoutValidation("x-ms-version", ApiVersion);
            if (headers != null)
                foreach (var header in headers)
                    request.Headers.TryAddWithoutValidation(header.Key, header.Value);
            if (body != null || method == HttpMethod.Put)
                request.Content = new ByteArrayContent(body ?? Array.Empty<byte>()); // a PUT always says its length
            using var timeout = new CancellationTokenSource(s_requestTimeout);
            HttpResponseMessage response;
            try
            {
                response = _http.SendAsync(request, HttpCompletionOption.ResponseContentRead, timeout.Token).ConfigureAwait(false).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                throw new BlobUnreachableException("no answer within " + s_requestTimeout.TotalSeconds.ToString("0", CultureInfo.InvariantCulture) + " s", neverSent: false);
            }
            catch (HttpRequestException ex)
            {
                // The messages of HttpRequestException and its inner socket errors name the host, never the query.
                var socket = Inner<System.Net.Sockets.SocketException>(ex);
                bool neverSent = socket != null && (socket.SocketErrorCode == System.Net.Sockets.SocketError.ConnectionRefused
                    || socket.SocketErrorCode == System.Net.Sockets.SocketError.HostNotFound
                    || socket.SocketErrorCode == System.Net.Sockets.SocketError.NoData);
                throw new BlobUnreachableException(BlobAddress.Redact(socket?.Message ?? ex.Message), neverSent);
            }
            using (response)
            {
                byte[] bytes = response.Content.ReadAsByteArrayAsync().ConfigureAwait(false).GetAwaiter().GetResult();
                var found = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
                foreach (var header in response.Headers)
                    found[header.Key] = string.Join(",", header.Value);
                foreach (var header in response.Content.Headers)
                    found[header.Key] = string.Join(",", header.Value);
                int status = (int)response.StatusCode;
                found.TryGetValue("x-ms-error-code", out var code);
                string? message = null, detail = null;
                if (status >= 300 && bytes.Length > 0)
                    ReadError(bytes, ref code, out message, out detail);
                return new BlobAnswer(status, code, message, detail, status >= 300 ? Array.Empty<byte>() : bytes, found);
            }
        }

        // <Error><Code/><Message/>[<AuthenticationErrorDetail/>]</Error>; the message's RequestId and
        // Time lines are dropped. Not XML (a proxy's page): nothing is taken from it.
        private static void ReadError(byte[] bytes, ref string? code, out string? message, out string? detail)
        {
            message = detail = null;
            try
            {
                var root = XDocument.Parse(Encoding.UTF8.GetString(bytes).TrimStart('\uFEFF')).Root;
                if (root == null)
                    return;
                code ??= (string?)root.Element("Code");
                message = ((string?)root.Element("Message"))?.Split('\n')[0].Trim();
                detail = (string?)root.Element("AuthenticationErrorDetail");
            }
            catch (System.Xml.XmlException)
            {
            }
        }

        /// <summary>The ErrorId and message of a refusal, for the journal <paramref name="journal"/> names.</summary>
        public static HailuoException Refusal(string operation, BlobAddress journal, BlobAnswer answer, DateTimeOffset now)
        {
            string said = string.Format(CultureInfo.InvariantCulture, "HTTP {0}{1}{2}", answer.Status,
                answer.ErrorCode != null ? " " + answer.ErrorCode : "", answer.Message != null ? " (" + BlobAddress.Redact(answer.Message) + ")" : "");
            string where = string.Format(CultureInfo.InvariantCulture, "The journal '{0}' could not be used ({1}: {2})", journal.DisplayUrl, operation, said);
            if (answer.Status == 403)
            {
                if (answer.ErrorCode == "AuthorizationPermissionMismatch" || answer.ErrorCode == "AuthorizationResourceTypeMismatch")
                    return new HailuoException(ErrorIds.JournalSasPermissionMissing,
                        where + ": its SAS token lacks a permission this needs. A journal needs a container SAS (sr=c) with read, add, create and write (sp=racw). Nothing was sent.");
                bool expired = SasCheck.ExpiresBy(journal, now)
                    || (answer.AuthDetail?.IndexOf("expir", StringComparison.OrdinalIgnoreCase) ?? -1) >= 0;
                if (expired)
                    return new HailuoException(ErrorIds.JournalSasExpired,
                        where + ": its SAS token has expired. Create a new one (valid for longer than the run) and run again. Nothing was sent.");
                return new HailuoException(ErrorIds.JournalSasRejected,
                    where + ": the storage account refused its SAS token (a wrong signature, a key that was rotated, a SAS for another container, or an address or protocol it does not allow). Nothing was sent.");
            }
            if (answer.Status == 404 && answer.ErrorCode == "ContainerNotFound")
                return new HailuoException(ErrorIds.JournalContainerNotFound,
                    where + ": its container does not exist. Create it once (New-AzStorageContainer, or the portal); the journal blob itself is created with the first record. Nothing was sent.");
            if (answer.Status == 409 && answer.ErrorCode == "BlockCountExceedsLimit")
                return new HailuoException(ErrorIds.JournalFull,
                    where + ": an append blob holds at most 50,000 records. Start a new journal blob; the tasks recorded in this one stay readable with Get-HailuoTask -Journal.");
            if (answer.Status >= 500 || answer.Status == 408)
                return Unreachable(operation, journal, said);
            return new HailuoException(ErrorIds.JournalWriteFailed, where + ".");
        }

        /// <summary>The account did not answer a request that could not be tried again: this and every later request of the call fail.</summary>
        public HailuoException Down(string operation, string why)
        {
            var failure = Unreachable(operation, _named, why);
            Volatile.Write(ref _unreachable, failure);
            return failure;
        }

        public static HailuoException Unreachable(string operation, BlobAddress journal, string why) =>
            new HailuoException(ErrorIds.JournalStorageUnreachable, string.Format(CultureInfo.InvariantCulture,
                "The journal '{0}' cannot be reached ({1}: {2}). Nothing more is sent while the journal cannot record it; run the same command again once the storage account answers, and nothing recorded is sent twice.",
                journal.DisplayUrl, operation, BlobAddress.Redact(why)));

        private static T? Inner<T>(Exception ex) where T : Exception
        {
            for (Exception? e = ex; e != null; e = e.InnerException)
                if (e is T found)
                    return found;
            return null;
        }
    }
}
