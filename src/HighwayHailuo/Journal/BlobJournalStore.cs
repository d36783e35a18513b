// The journal as an append blob in Azure Storage, so runs on several machines (or a runbook whose
// sandbox is gone when it ends) share it. Each append is one block appended only at the length
// this process has read up to (x-ms-blob-condition-appendpos): a writer that lost the race gets
// 412, reads the newer records and decides again, so no record is lost or interleaved and every
// decision is made on the whole journal. Each submission's claim is a lease on an empty blob
// beside the journal ('<journal>.claims/<sha256 of the submission>'), renewed every
// ClaimRenewal while held: a holder that dies stops renewing, and its claim lapses within
// ClaimLease, after which the submission reads as unknown, as a crashed local claim does.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.Net.Http;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using HighwayHailuo.Errors;
using HighwayHailuo.Storage;

namespace HighwayHailuo.Journal
{
    internal sealed class BlobJournalStore : IJournalStore, IDisposable
    {
        /// <summary>A claim's lease: how long a dead holder's claim lasts (the service allows 15 to 60 s).</summary>
        public static readonly TimeSpan ClaimLease = TimeSpan.FromSeconds(30);
        /// <summary>How often a held claim is renewed: three chances before it could lapse.</summary>
        public static readonly TimeSpan ClaimRenewal = TimeSpan.FromSeconds(10);
        // An append blob takes 50,000 blocks. New claims stop OutcomeReserve short of it, so the
        // outcomes of submissions in flight (in every process) still fit.
        internal const int OutcomeReserve = 1000;
        private static readonly TimeSpan s_appendPatience = TimeSpan.FromSeconds(60);

        private readonly BlobAddress _journal;
        private readonly BlobClient _client;
        private readonly object _claimsLock = new object();
        private readonly Dictionary<string, string> _leases = new Dictionary<string, string>(StringComparer.Ordinal); // identity -> lease id
        private readonly Timer _renewal;
        private int _blocks; // the journal's committed block count, as last seen

        /// <summary>The most blocks (records) an append blob takes; lower only in tests.</summary>
        internal int BlockLimit { get; set; } = 50000;

        public BlobJournalStore(BlobAddress journal, HttpClient http)
        {
            _journal = journal;
            _client = new BlobClient(http, journal);
            _renewal = new Timer(_ => RenewAll(), null, Timeout.Infinite, Timeout.Infinite);
        }

        public string Name => _journal.DisplayUrl;

        public TimeSpan DeadClaimDelay => ClaimLease;

        /// <summary>Claims whose renewal failed (the storage account did not answer): they may have lapsed.</summary>
        internal int LapsedClaims;

        public bool Exists()
        {
            var answer = _client.Send("Get Blob Properties", HttpMethod.Head, _journal, null, null, null, retry: true);
            if (answer.Status == 404 && answer.ErrorCode != "ContainerNotFound")
                return false;
            if (!answer.Succeeded)
                throw Refusal("Get Blob Properties", answer);
            return true;
        }

        public byte[] ReadFrom(long offset) => Read(_journal, offset, out _);

        // A ranged read from offset to the end. Nothing new is 206 with no bytes on Azurite and 416
        // InvalidRange on Azure; a journal that does not exist yet is 404 BlobNotFound: both are empty.
        private byte[] Read(BlobAddress blob, long offset, out bool exists)
        {
            var range = new[] { Header("x-ms-range", "bytes=" + offset.ToString(CultureInfo.InvariantCulture) + "-") };
            var answer = _client.Send("Get Blob", HttpMethod.Get, blob, null, range, null, retry: true);
            exists = answer.Status != 404;
            if (answer.Status == 416 || (answer.Status == 404 && answer.ErrorCode != "ContainerNotFound"))
                return Array.Empty<byte>();
            if (!answer.Succeeded)
                throw Refusal("Get Blob", answer);
            if (answer.Header("x-ms-blob-type") is string type && type != "AppendBlob")
                throw new HailuoException(ErrorIds.JournalInvalid, string.Format(CultureInfo.InvariantCulture,
                    "'{0}' is not a HighwayHailuo journal: it is a {1}, and a journal is an append blob. It was left as it is; pass another -Journal URL.", Name, type));
            NoteBlocks(answer);
            return answer.Body;
        }

        public long Append(Func<long> readFrom, Func<byte[], JournalWrite> compose)
        {
            var deadline = DateTime.UtcNow + s_appendPatience;
            while (true)
            {
                long from = readFrom();
                byte[] tail = Read(_journal, from, out bool exists);
                long end = from + tail.Length;
                var write = compose(tail);
                if (write.At != end)
                    throw new HailuoException(ErrorIds.JournalInvalid, string.Format(CultureInfo.InvariantCulture,
                        "'{0}' is not a HighwayHailuo journal as written: its last line at byte {1} is unfinished, which the module never writes to a blob. It was left as it is; pass another -Journal URL.", Name, write.At));
                if (write.Bytes.Length == 0)
                    return end;
                if (!exists)
                    CreateJournal();
                var appended = AppendBlock(write.Bytes, end);
                if (appended.HasValue)
                    return appended.Value;
                if (DateTime.UtcNow > deadline)
                    throw new HailuoException(ErrorIds.JournalWriteFailed, string.Format(CultureInfo.InvariantCulture,
                        "Could not write to the journal '{0}': other writers kept appending first for over {1:0} seconds.", Name, s_appendPatience.TotalSeconds));
                // Another writer appended first: read what it wrote and decide again.
            }
        }

        // The append blob, created once; another writer creating it first is just as good.
        private void CreateJournal()
        {
            var answer = _client.Send("Put Blob", HttpMethod.Put, _journal, null,
                new[] { Header("x-ms-blob-type", "AppendBlob"), Header("If-None-Match", "*") }, null, retry: true);
            if (!answer.Succeeded && !(answer.Status == 409 && answer.ErrorCode == "BlobAlreadyExists"))
                throw Refusal("Put Blob", answer);
        }

        // The new length, or null when another writer appended at that position first.
        private long? AppendBlock(byte[] bytes, long at)
        {
            var headers = new[] { Header("x-ms-blob-condition-appendpos", at.ToString(CultureInfo.InvariantCulture)) };
            BlobAnswer answer;
            try
            {
                answer = _client.Send("Append Block", HttpMethod.Put, _journal, "comp=appendblock", headers, bytes, retry: false);
            }
            catch (BlobUnreachableException lost) when (!lost.NeverSent)
            {
                return Settle(bytes, at, lost.Message);
            }
            catch (BlobUnreachableException refused)
            {
                throw _client.Down("Append Block", refused.Message);
            }
            if (answer.Succeeded)
            {
                NoteBlocks(answer);
                return at + bytes.Length;
            }
            if (answer.Status == 412 && answer.ErrorCode == "AppendPositionConditionNotMet")
                return null;
            if (answer.Status >= 500)
                return Settle(bytes, at, "HTTP " + answer.Status.ToString(CultureInfo.InvariantCulture));
            throw Refusal("Append Block", answer);
        }

        // The answer to an append was lost: it may or may not have been applied. The bytes at its
        // position say which (each record carries its time and submission, so another writer's record
        // never equals it); not applied, it is decided again.
        private long? Settle(byte[] bytes, long at, string why)
        {
            byte[] there;
            try
            {
                there = Read(_journal, at, out _);
            }
            catch (HailuoException ex) when (ex.ErrorId == ErrorIds.JournalStorageUnreachable)
            {
                throw _client.Down("Append Block", why);
            }
            if (there.Length >= bytes.Length)
            {
                bool same = true;
                for (int i = 0; i < bytes.Length && same; i++)
                    same = there[i] == bytes[i];
                if (same)
                    return at + bytes.Length;
            }
            return null;
        }

        public bool TryClaim(string identity)
        {
            if (_blocks >= BlockLimit - OutcomeReserve)
                throw new HailuoException(ErrorIds.JournalFull, string.Format(CultureInfo.InvariantCulture,
                    "The journal '{0}' holds {1:N0} records, near the {2:N0} an append blob can hold; the rest are kept for the outcomes of submissions in flight. Start a new journal blob; the tasks recorded in this one stay readable with Get-HailuoTask -Journal. Nothing more was sent.", Name, _blocks, BlockLimit));
            var claim = ClaimBlob(identity);
            lock (_claimsLock)
            {
                if (_leases.ContainsKey(identity))
                    return false;
            }
            string leaseId = Guid.NewGuid().ToString();
            var answer = Acquire(claim, leaseId);
            if (answer.Status == 404 && answer.ErrorCode == "BlobNotFound")
            {
                var created = _client.Send("Put Blob of a claim", HttpMethod.Put, claim, null,
                    new[] { Header("x-ms-blob-type", "BlockBlob"), Header("If-None-Match", "*") }, null, retry: true);
                if (!created.Succeeded && !(created.Status == 409 && created.ErrorCode == "BlobAlreadyExists") && created.Status != 412)
                    throw Refusal("Put Blob of a claim", created);
                answer = Acquire(claim, leaseId);
            }
            if (answer.Status == 409 && (answer.ErrorCode == "LeaseAlreadyPresent" || answer.ErrorCode == "LeaseIsBreakingAndCannotBeAcquired"))
                return false; // a live holder renews it
            if (answer.Status == 412 && answer.ErrorCode == "LeaseIdMissing")
                return false; // created a moment ago by another writer that leased it at once
            if (!answer.Succeeded)
                throw Refusal("Lease Blob on a claim", answer);
            lock (_claimsLock)
            {
                _leases[identity] = leaseId;
                if (_leases.Count == 1)
                    _renewal.Change(ClaimRenewal, ClaimRenewal);
            }
            return true;
        }

        private BlobAnswer Acquire(BlobAddress claim, string leaseId) =>
            _client.Send("Lease Blob on a claim", HttpMethod.Put, claim, "comp=lease", new[]
            {
                Header("x-ms-lease-action", "acquire"),
                Header("x-ms-lease-duration", ClaimLease.TotalSeconds.ToString("0", CultureInfo.InvariantCulture)),
                Header("x-ms-proposed-lease-id", leaseId),
            }, null, retry: true);

        public void ReleaseClaim(string identity)
        {
            string? leaseId;
            lock (_claimsLock)
            {
                if (!_leases.TryGetValue(identity, out leaseId))
                    return;
                _leases.Remove(identity);
                if (_leases.Count == 0)
                    _renewal.Change(Timeout.Infinite, Timeout.Infinite);
            }
            try
            {
                // Given back at once so that another process need not wait for it to lapse; if this
                // fails, it lapses by itself within ClaimLease.
                _client.Send("Lease Blob", HttpMethod.Put, ClaimBlob(identity), "comp=lease",
                    new[] { Header("x-ms-lease-action", "release"), Header("x-ms-lease-id", leaseId) }, null, retry: false);
            }
            catch (Exception ex) when (ex is BlobUnreachableException || ex is HailuoException)
            {
                // Giving a claim back never fails its caller (it may be writing out a paid task).
            }
        }

        private void RenewAll()
        {
            KeyValuePair<string, string>[] held;
            lock (_claimsLock)
                held = new List<KeyValuePair<string, string>>(_leases).ToArray();
            foreach (var lease in held)
            {
                try
                {
                    var answer = _client.Send("Lease Blob", HttpMethod.Put, ClaimBlob(lease.Key), "comp=lease",
                        new[] { Header("x-ms-lease-action", "renew"), Header("x-ms-lease-id", lease.Value) }, null, retry: false);
                    if (!answer.Succeeded)
                        Interlocked.Increment(ref LapsedClaims);
                }
                catch (Exception)
                {
                    // A timer thread must never throw (it would end the whole PowerShell process); a
                    // claim not renewed lapses, and the journal still refuses a second submission.
                    Interlocked.Increment(ref LapsedClaims);
                }
            }
            // A lapsed claim cannot cause a second submission: the "submitting" record is appended
            // only if nobody recorded the submission since the claim (TaskJournal.AppendClaim).
        }

        private BlobAddress ClaimBlob(string identity)
        {
            using var sha = SHA256.Create();
            var hash = sha.ComputeHash(Encoding.UTF8.GetBytes(identity));
            var hex = new StringBuilder(".claims/", 8 + 64);
            foreach (byte b in hash)
                hex.Append(b.ToString("x2", CultureInfo.InvariantCulture));
            return _journal.WithSuffix(hex.ToString());
        }

        private void NoteBlocks(BlobAnswer answer)
        {
            if (answer.Header("x-ms-blob-committed-block-count") is string count
                && int.TryParse(count, NumberStyles.Integer, CultureInfo.InvariantCulture, out int blocks))
                _blocks = blocks;
        }

        private HailuoException Refusal(string operation, BlobAnswer answer) =>
            BlobClient.Refusal(operation, _journal, answer, DateTimeOffset.UtcNow);

        private static KeyValuePair<string, string> Header(string name, string value) => new KeyValuePair<string, string>(name, value);

        /// <summary>What a killed process leaves: its leases neither renewed nor given back (tests).</summary>
        internal void Abandon()
        {
            _renewal.Change(Timeout.Infinite, Timeout.Infinite);
            lock (_claimsLock)
                _leases.Clear();
        }

        public void Dispose() => _renewal.Dispose();
    }
}
