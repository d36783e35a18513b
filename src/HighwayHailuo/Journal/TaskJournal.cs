// A journal of submissions (-Journal): JSON lines, one per event, each flushed to disk before
// anything depends on it. The first line marks the file as a HighwayHailuo journal, so a wrong path
// is refused instead of being appended to. The last record of an image and its parameters says what
// became of it; a crash can at worst cut the last line short, which is tolerated and trimmed.
//
// Several processes (or runspaces) may use one journal at once. Beside it, '<journal>.lock' holds
// one lock per image-and-parameters, taken before its submission is recorded and released once its
// outcome is: a held lock is a live claim (its holder is sending it), and a "submitting" record
// whose lock is free was left by a process that died, so its outcome is unknown. One more lock in
// that file makes appends take turns, and every claim first reads what others appended.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using HighwayHailuo.Costs;
using HighwayHailuo.Errors;
using HighwayHailuo.Locking;

namespace HighwayHailuo.Journal
{
    /// <summary>What <see cref="TaskJournal.Claim"/> found.</summary>
    internal enum ClaimKind
    {
        /// <summary>The caller holds the claim: send it, then record the outcome (or release it).</summary>
        Claimed,
        /// <summary>The journal already says what became of it.</summary>
        Recorded,
        /// <summary>The same item earlier in this run is being sent: wait for it.</summary>
        InProgressHere,
        /// <summary>Another process (or runspace) holds its claim right now.</summary>
        BusyElsewhere,
    }

    internal sealed class TaskJournal
    {
        private const string MarkerProperty = "highwayHailuoJournal";
        // 2: records carry a model, a last frame, and no source image for text to video. Version 1
        // journals are read and appended to as they are; earlier builds refuse a version 2 journal
        // instead of misreading its records.
        private const int FormatVersion = 2;

        private readonly object _lock = new object();
        private readonly List<JournalRecord> _records = new List<JournalRecord>();
        private readonly Dictionary<string, JournalRecord> _latest = new Dictionary<string, JournalRecord>(StringComparer.Ordinal);
        private readonly Dictionary<string, TaskCompletionSource<JournalRecord>> _inProgress = new Dictionary<string, TaskCompletionSource<JournalRecord>>(StringComparer.Ordinal);
        // Claims this instance holds: identity -> its lock region.
        private readonly Dictionary<string, long> _claimRegions = new Dictionary<string, long>(StringComparer.Ordinal);
        // What the file's records may have had billed (for -MaxVideos): every attempt counts from its
        // "submitting" record, and only a "not submitted" outcome gives it back.
        private Spending _spent;
        private readonly HashSet<string> _openAttempts = new HashSet<string>(StringComparer.Ordinal);
        private long _consumed; // bytes of the file read so far: whole lines only
        private long _recordedTailEnd = -1; // end of a last record without its newline, already read at Open
        private readonly RegionLockFile _locks;

        // Region 0 of the lock file: whoever holds it may append.
        private const long AppendRegion = 0;
        private static readonly TimeSpan s_appendPatience = TimeSpan.FromSeconds(30);
        private static readonly TimeSpan s_sharingPatience = TimeSpan.FromSeconds(2);

        private TaskJournal(string path)
        {
            Path = path;
            _locks = RegionLockFile.For(path + ".lock");
        }

        public string Path { get; }

        /// <summary>Every record, in file order.</summary>
        public IReadOnlyList<JournalRecord> Records { get { lock (_lock) return _records.ToArray(); } }

        /// <summary>Set when the last line was cut off (by a crash while writing it).</summary>
        public string? Warning { get; private set; }

        /// <summary>Reads a journal; a missing or empty file is a new journal when <paramref name="create"/> is set.</summary>
        public static TaskJournal Open(string path, bool create)
        {
            var journal = new TaskJournal(path);
            byte[] content;
            try
            {
                content = File.Exists(path) ? ReadShared(path) : Array.Empty<byte>();
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw Invalid(path, "it cannot be read: " + ex.Message, ex);
            }
            if (content.Length == 0)
            {
                if (!create)
                    throw new HailuoException(ErrorIds.JournalNotFound, File.Exists(path)
                        ? $"The journal '{path}' is empty: no submission was ever recorded in it."
                        : $"There is no journal '{path}'.");
                return journal; // the header is written with the first record
            }
            journal.Load(content);
            return journal;
        }

        private void Load(byte[] content)
        {
            int lineNumber = 0;
            for (int start = 0; start < content.Length;)
            {
                int end = Array.IndexOf(content, (byte)'\n', start);
                bool complete = end >= 0;
                int length = (complete ? end : content.Length) - start;
                lineNumber++;
                var line = new ReadOnlyMemory<byte>(content, start, length);
                try
                {
                    if (lineNumber == 1)
                        CheckHeader(line);
                    else if (!IsBlank(line))
                        AddRecord(line);
                }
                catch (Exception ex) when (ex is JsonException || ex is FormatException || ex is InvalidOperationException)
                {
                    if (!complete && lineNumber > 1)
                    {
                        // Only the very last line can be cut off by a crash; it never finished, so it
                        // recorded nothing that was relied on. The next append trims it.
                        Warning = string.Format(CultureInfo.InvariantCulture,
                            "The last line of the journal '{0}' was cut off (line {1}); it was ignored.", Path, lineNumber);
                        break;
                    }
                    throw Invalid(Path, lineNumber == 1
                        ? ex is NewerJournalException ? ex.Message : "it does not start with a HighwayHailuo journal header"
                        : string.Format(CultureInfo.InvariantCulture, "line {0} is not a journal record ({1})", lineNumber, ex.Message), ex);
                }
                if (complete)
                    _consumed = end + 1;
                else if (lineNumber > 1)
                    _recordedTailEnd = content.Length; // a whole record that lacks its newline
                start = complete ? end + 1 : content.Length;
            }
        }

        private static void CheckHeader(ReadOnlyMemory<byte> line)
        {
            using var doc = JsonDocument.Parse(line);
            if (doc.RootElement.ValueKind != JsonValueKind.Object
                || !doc.RootElement.TryGetProperty(MarkerProperty, out var version)
                || version.ValueKind != JsonValueKind.Number)
                throw new FormatException("no journal header");
            if (version.GetInt32() > FormatVersion)
                throw new NewerJournalException(version.GetInt32());
        }

        /// <summary>A journal that a newer HighwayHailuo wrote: readable only by it, so it is never misread.</summary>
        private sealed class NewerJournalException : FormatException
        {
            public NewerJournalException(int version)
                : base(string.Format(CultureInfo.InvariantCulture,
                    "it was written by a newer HighwayHailuo (journal format {0}; this version reads formats 1 to {1}); update the module to use it (Update-PSResource HighwayHailuo)",
                    version, FormatVersion))
            {
            }
        }

        private void AddRecord(ReadOnlyMemory<byte> line)
        {
            using var doc = JsonDocument.Parse(line);
            var record = JournalRecord.Parse(doc.RootElement);
            if (record == null)
            {
                // A newer writer's submission (a model or state this version does not know) cannot be
                // matched, but the cap must still see what it may have billed: its "submitting"
                // counts, and nothing of it is given back.
                if (doc.RootElement.TryGetProperty("state", out var state) && state.ValueKind == JsonValueKind.String && state.GetString() == "submitting"
                    && doc.RootElement.TryGetProperty("duration", out var duration) && duration.ValueKind == JsonValueKind.Number && duration.TryGetInt32(out int seconds))
                    _spent = _spent.Plus(seconds);
                return;
            }
            _records.Add(record);
            _latest[record.Identity] = record;
            Count(record);
        }

        private void Count(JournalRecord record)
        {
            string identity = record.Identity;
            if (record.State == JournalState.Submitting)
            {
                _openAttempts.Add(identity);
                _spent = _spent.Plus(record.Duration);
            }
            else if (_openAttempts.Remove(identity) && record.State == JournalState.NotSubmitted)
            {
                _spent = _spent.Minus(record.Duration);
            }
        }

        /// <summary>What every process's records so far may have had billed, read afresh.</summary>
        public Spending Spent
        {
            get
            {
                lock (_lock)
                {
                    Refresh();
                    return _spent;
                }
            }
        }

        /// <summary>The record that answers this submission, so that a run would not send it (a task, or an unknown outcome); null when a run would send it.</summary>
        public JournalRecord? Answering(JournalRecord identity, bool resubmitUnknown)
        {
            lock (_lock)
            {
                Refresh();
                return _latest.TryGetValue(identity.Identity, out var latest)
                    && (latest.State == JournalState.Submitted || (!resubmitUnknown && latest.State != JournalState.NotSubmitted))
                    ? latest : null;
            }
        }

        private static bool IsBlank(ReadOnlyMemory<byte> line)
        {
            foreach (byte b in line.Span)
                if (b != ' ' && b != '\t' && b != '\r')
                    return false;
            return true;
        }

        /// <summary>
        /// Looks up an image and its parameters. When nothing (or only a refusal) is recorded, the
        /// caller gets the claim (<see cref="ClaimKind.Claimed"/>) and must record an outcome or
        /// release it. An identical item in the same run gives a task to wait on; one that another
        /// process (or runspace) is sending right now gives <see cref="ClaimKind.BusyElsewhere"/>:
        /// look again later.
        /// </summary>
        public ClaimKind Claim(JournalRecord identity, bool resubmitUnknown, out JournalRecord? recorded, out Task<JournalRecord>? inProgress)
        {
            lock (_lock)
            {
                recorded = null;
                inProgress = null;
                if (_inProgress.TryGetValue(identity.Identity, out var pending))
                {
                    inProgress = pending.Task;
                    return ClaimKind.InProgressHere;
                }
                long region = RegionLockFile.RegionOf(identity.Identity);
                if (!TryLock(region))
                    return ClaimKind.BusyElsewhere;
                // Holding its lock, nobody else can be recording this identity: what the file says now is final.
                Refresh();
                if (_latest.TryGetValue(identity.Identity, out var latest)
                    && (latest.State == JournalState.Submitted || (!resubmitUnknown && latest.State != JournalState.NotSubmitted)))
                {
                    _locks.Release(region);
                    recorded = latest;
                    return ClaimKind.Recorded;
                }
                _claimRegions[identity.Identity] = region;
                _inProgress[identity.Identity] = new TaskCompletionSource<JournalRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
                return ClaimKind.Claimed;
            }
        }

        /// <summary>Gives a claim back without an outcome (nothing was sent); waiting duplicates get its record.</summary>
        public void Release(JournalRecord record)
        {
            TaskCompletionSource<JournalRecord>? pending;
            lock (_lock)
            {
                if (_inProgress.TryGetValue(record.Identity, out pending))
                    _inProgress.Remove(record.Identity);
                EndClaim(record.Identity);
            }
            pending?.TrySetResult(record);
        }

        /// <summary>Appends a record and flushes it to disk before returning. Final states end the claim.</summary>
        public void Append(JournalRecord record) => Append(record, null, out _);

        /// <summary>
        /// Appends a claim's "submitting" record only if <paramref name="cap"/> allows one more video
        /// of its length. The count includes every record any process has appended: it is read and
        /// raised while this process holds the append lock, so overlapping runs cannot both take the
        /// last place. False (nothing written) when the cap refuses; <paramref name="spent"/> is the count it read.
        /// </summary>
        public bool TryAppendWithin(JournalRecord claim, SpendingCap cap, out Spending spent) => Append(claim, cap, out spent);

        private bool Append(JournalRecord record, SpendingCap? cap, out Spending spent)
        {
            byte[] line = record.ToJsonLine();
            TaskCompletionSource<JournalRecord>? finished = null;
            lock (_lock)
            {
                bool allowed = true;
                WriteDurably(line, cap == null ? null : () => allowed = cap.Allows(_spent, record.Duration));
                spent = _spent;
                if (!allowed)
                    return false;
                _records.Add(record);
                _latest[record.Identity] = record;
                Count(record);
                if (record.State != JournalState.Submitting)
                {
                    if (_inProgress.TryGetValue(record.Identity, out finished))
                        _inProgress.Remove(record.Identity);
                    EndClaim(record.Identity);
                }
            }
            finished?.TrySetResult(record);
            return true;
        }

        private void EndClaim(string identity)
        {
            if (_claimRegions.TryGetValue(identity, out long region))
            {
                _claimRegions.Remove(identity);
                _locks.Release(region);
            }
        }

        private bool TryLock(long region)
        {
            try
            {
                return _locks.TryAcquire(region);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw WriteFailed("its lock file '" + _locks.Path + "' cannot be used: " + ex.Message, ex);
            }
        }

        // Called under the lock. Takes the append lock (other processes' appends take turns), reads
        // what they appended, drops a line cut off by a writer that died (nobody else can be writing:
        // we hold the lock), then appends and flushes. Nothing stays open or locked in between. A
        // sharing conflict (another program holding the file for a moment) is tried again for up to
        // two seconds; any other I/O failure (a full disk, a lost share) is reported at once.
        /// <summary>Told of each sharing conflict met while appending, before it is tried again (tests wait for it).</summary>
        internal Action<IOException>? SharingConflictMet { get; set; }

        private void WriteDurably(byte[] line, Func<bool>? mayWrite)
        {
            var deadline = DateTime.UtcNow + s_appendPatience;
            while (!TryLock(AppendRegion))
            {
                if (DateTime.UtcNow >= deadline)
                    throw WriteFailed("another process has held its write lock for over 30 seconds", null);
                Thread.Sleep(10);
            }
            try
            {
                var sharingDeadline = DateTime.UtcNow + s_sharingPatience;
                while (true)
                {
                    try
                    {
                        AppendUnderLock(line, mayWrite);
                        return;
                    }
                    catch (IOException ex) when (IoFailure.IsSharingConflict(ex) && DateTime.UtcNow < sharingDeadline)
                    {
                        SharingConflictMet?.Invoke(ex);
                        Thread.Sleep(50);
                    }
                }
            }
            catch (IOException ex) when (IoFailure.IsDiskFull(ex))
            {
                throw WriteFailed("the disk is full (" + ex.Message + ")", ex);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw WriteFailed(ex.Message, ex);
            }
            finally
            {
                _locks.Release(AppendRegion);
            }
        }

        // mayWrite is asked once every other process's records are read, still under the append lock.
        private void AppendUnderLock(byte[] line, Func<bool>? mayWrite)
        {
            using var file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.None);
            ReadNew(file);
            if (file.Length > _consumed)
                EndOrTrimTail(file);
            if (mayWrite != null && !mayWrite())
                return;
            if (file.Length == 0)
            {
                byte[] header = Encoding.UTF8.GetBytes("{\"" + MarkerProperty + "\":" + FormatVersion.ToString(CultureInfo.InvariantCulture)
                    + ",\"created\":\"" + DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture) + "\"}\n");
                file.Write(header, 0, header.Length);
            }
            file.Seek(0, SeekOrigin.End);
            file.Write(line, 0, line.Length);
            file.Flush(flushToDisk: true);
            _consumed = file.Length;
        }

        // Called holding the append lock, so what follows the last newline was left by a writer that
        // died: a whole record that only lacks its newline is kept (it may be a task that was paid
        // for), anything else is cut off.
        private void EndOrTrimTail(FileStream file)
        {
            var tail = new byte[file.Length - _consumed];
            file.Seek(_consumed, SeekOrigin.Begin);
            ReadExactly(file, tail);
            try
            {
                if (file.Length != _recordedTailEnd)
                    AddRecord(tail);
                file.Seek(0, SeekOrigin.End);
                file.WriteByte((byte)'\n');
                _consumed = file.Length;
            }
            catch (Exception ex) when (ex is JsonException || ex is FormatException || ex is InvalidOperationException)
            {
                file.SetLength(_consumed);
            }
            _recordedTailEnd = -1;
        }

        /// <summary>Reads the records other processes appended since this instance last looked.</summary>
        private void Refresh()
        {
            try
            {
                if (!File.Exists(Path))
                    return;
                using var file = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                ReadNew(file);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw WriteFailed("it could not be read again: " + ex.Message, ex);
            }
        }

        // The whole lines past what was read; a line still being written (or cut off) waits for later.
        private void ReadNew(FileStream file)
        {
            if (file.Length <= _consumed)
                return;
            if (_consumed == 0)
            {
                // Another process created the journal after this one found it missing: start with its header.
                var all = new byte[file.Length];
                file.Seek(0, SeekOrigin.Begin);
                ReadExactly(file, all);
                int headerEnd = Array.IndexOf(all, (byte)'\n');
                if (headerEnd < 0)
                    return;
                CheckHeader(new ReadOnlyMemory<byte>(all, 0, headerEnd));
                _consumed = headerEnd + 1;
            }
            var tail = new byte[file.Length - _consumed];
            file.Seek(_consumed, SeekOrigin.Begin);
            ReadExactly(file, tail);
            for (int start = 0; ;)
            {
                int end = Array.IndexOf(tail, (byte)'\n', start);
                if (end < 0)
                    break;
                var line = new ReadOnlyMemory<byte>(tail, start, end - start);
                if (_recordedTailEnd == _consumed + (end - start))
                {
                    // The last record Open read without its newline, which another writer has since
                    // ended: already counted, so not again.
                    _recordedTailEnd = -1;
                }
                else if (!IsBlank(line))
                {
                    try
                    {
                        AddRecord(line);
                    }
                    catch (Exception ex) when (ex is JsonException || ex is FormatException || ex is InvalidOperationException)
                    {
                        // Not a record we can use (a newer writer's, or damaged): it can claim nothing.
                    }
                }
                _consumed += end + 1 - start;
                start = end + 1;
            }
        }

        private static void ReadExactly(Stream stream, byte[] buffer)
        {
            for (int read = 0; read < buffer.Length;)
            {
                int n = stream.Read(buffer, read, buffer.Length - read);
                if (n == 0)
                    throw new IOException("the journal became shorter while it was read");
                read += n;
            }
        }

        private HailuoException WriteFailed(string why, Exception? inner) =>
            new HailuoException(ErrorIds.JournalWriteFailed,
                $"Could not write to the journal '{Path}': {why}", inner: inner);

        private static byte[] ReadShared(string path)
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new MemoryStream();
            file.CopyTo(buffer);
            return buffer.ToArray();
        }

        private static HailuoException Invalid(string path, string why, Exception? inner) =>
            new HailuoException(ErrorIds.JournalInvalid,
                $"'{path}' is not a HighwayHailuo journal: {why}. It was left as it is; pass another -Journal path.", inner: inner);
    }
}
