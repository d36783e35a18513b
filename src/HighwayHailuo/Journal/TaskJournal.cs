// A journal of submissions (-Journal): JSON lines, one per event, each durable before anything
// depends on it. The first line marks the journal as a HighwayHailuo journal, so a wrong path is
// refused instead of being appended to. The last record of an image and its parameters says what
// became of it; a crash can at worst cut the last line short, which is tolerated and trimmed.
//
// Several processes (or runspaces, or machines) may use one journal at once. Where it lives is the
// store's business (IJournalStore: a file, or an append blob): a claim is taken before a
// submission is recorded and given back once its outcome is, so a held claim means a live sender,
// and a "submitting" record whose claim is free was left by a process that died: its outcome is
// unknown. Appends never interleave, and every append decides on what every other writer appended.
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

    /// <summary>What appending a claim's "submitting" record did.</summary>
    internal enum ClaimAppend
    {
        /// <summary>Written: the caller may send it.</summary>
        Written,
        /// <summary>Not written: the spending cap refuses one more.</summary>
        CapReached,
        /// <summary>Not written: another writer recorded this submission after the claim was taken (its claim expired while this process stalled): look again.</summary>
        Overtaken,
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
        // Claims this instance holds: identity -> the record that was latest when it was claimed
        // (null: none), so an append can tell whether another writer recorded it since.
        private readonly Dictionary<string, JournalRecord?> _claims = new Dictionary<string, JournalRecord?>(StringComparer.Ordinal);
        // What the journal's records may have had billed (for -MaxVideos): every attempt counts from its
        // "submitting" record, and only a "not submitted" outcome gives it back.
        private Spending _spent;
        private readonly HashSet<string> _openAttempts = new HashSet<string>(StringComparer.Ordinal);
        private long _consumed; // bytes of the journal read so far: whole lines only
        private long _recordedTailEnd = -1; // end of a last record without its newline, already read at Open
        private readonly IJournalStore _store;

        private TaskJournal(IJournalStore store) => _store = store;

        /// <summary>How messages name the journal: its path, or its blob URL without the SAS.</summary>
        public string Path => _store.Name;

        /// <summary>Where the journal lives.</summary>
        internal IJournalStore Store => _store;

        /// <summary>Every record, in journal order.</summary>
        public IReadOnlyList<JournalRecord> Records { get { lock (_lock) return _records.ToArray(); } }

        /// <summary>Set when the last line was cut off (by a crash while writing it).</summary>
        public string? Warning { get; private set; }

        /// <summary>Reads a journal file; a missing or empty file is a new journal when <paramref name="create"/> is set.</summary>
        public static TaskJournal Open(string path, bool create) => Open(new FileJournalStore(path), create);

        /// <summary>Reads a journal; a missing or empty one is a new journal when <paramref name="create"/> is set.</summary>
        public static TaskJournal Open(IJournalStore store, bool create)
        {
            var journal = new TaskJournal(store);
            byte[] content;
            try
            {
                content = store.ReadFrom(0);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw Invalid(store.Name, "it cannot be read: " + ex.Message, ex);
            }
            if (content.Length == 0)
            {
                if (!create)
                    throw new HailuoException(ErrorIds.JournalNotFound, store.Exists()
                        ? $"The journal '{store.Name}' is empty: no submission was ever recorded in it."
                        : $"There is no journal '{store.Name}'.");
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
                if (!_store.TryClaim(identity.Identity))
                    return ClaimKind.BusyElsewhere;
                // Holding its claim, nobody else can be recording this identity: what the journal says now is final.
                try
                {
                    Refresh();
                }
                catch
                {
                    _store.ReleaseClaim(identity.Identity);
                    throw;
                }
                _latest.TryGetValue(identity.Identity, out var latest);
                if (latest != null && (latest.State == JournalState.Submitted || (!resubmitUnknown && latest.State != JournalState.NotSubmitted)))
                {
                    _store.ReleaseClaim(identity.Identity);
                    recorded = latest;
                    return ClaimKind.Recorded;
                }
                _claims[identity.Identity] = latest;
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

        /// <summary>Appends a record durably before returning. Final states end the claim.</summary>
        public void Append(JournalRecord record) => Append(record, null, false, out _);

        /// <summary>
        /// Appends a claim's "submitting" record, only if nobody recorded the same submission since
        /// the claim was taken and, when <paramref name="cap"/> is given, only if the cap allows one
        /// more video of its length. Both are decided on every record any process has appended, with
        /// no append in between, so overlapping runs cannot both take the last place or both send
        /// one image. <paramref name="spent"/> is the count it read.
        /// </summary>
        public ClaimAppend AppendClaim(JournalRecord claim, SpendingCap? cap, out Spending spent)
            => Append(claim, cap, true, out spent);

        /// <summary>Appends a claim's "submitting" record if <paramref name="cap"/> allows it (see <see cref="AppendClaim"/>).</summary>
        public bool TryAppendWithin(JournalRecord claim, SpendingCap cap, out Spending spent) =>
            AppendClaim(claim, cap, out spent) == ClaimAppend.Written;

        private ClaimAppend Append(JournalRecord record, SpendingCap? cap, bool checkClaim, out Spending spent)
        {
            byte[] line = record.ToJsonLine();
            TaskCompletionSource<JournalRecord>? finished = null;
            var result = ClaimAppend.Written;
            lock (_lock)
            {
                long end = _store.Append(() => _consumed, tail =>
                {
                    var write = TakeTail(tail);
                    result = !checkClaim ? ClaimAppend.Written
                        : Overtaken(record.Identity) ? ClaimAppend.Overtaken
                        : cap != null && !cap.Allows(_spent, record.Duration) ? ClaimAppend.CapReached
                        : ClaimAppend.Written;
                    return result == ClaimAppend.Written ? Add(write, line) : write;
                });
                _consumed = end; // every byte up to the end is now read or written by this instance
                _recordedTailEnd = -1;
                spent = _spent;
                if (result != ClaimAppend.Written)
                    return result;
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
            return ClaimAppend.Written;
        }

        // Another writer recorded this submission after this instance claimed it: possible only when
        // the claim's holder stalled past the store's claim lifetime (a blob lease that expired).
        private bool Overtaken(string identity)
        {
            _latest.TryGetValue(identity, out var now);
            return _claims.TryGetValue(identity, out var atClaim) && !ReferenceEquals(now, atClaim);
        }

        private void EndClaim(string identity)
        {
            if (_claims.Remove(identity))
                _store.ReleaseClaim(identity);
        }

        // Called by the store with nothing else appending, given every byte past what was read: reads
        // the other writers' whole lines, then says what to do with a last line without its newline.
        // Nobody else is writing it, so a writer that died left it: a whole record is kept and ended
        // (it may be a task that was paid for), anything else is cut off.
        private JournalWrite TakeTail(byte[] tail)
        {
            int used = ReadLines(tail);
            long end = _consumed + (tail.Length - used);
            if (end == _consumed)
                return new JournalWrite(end, Array.Empty<byte>());
            if (_consumed == 0)
                return new JournalWrite(0, Array.Empty<byte>()); // a header cut short: written again
            var rest = new ReadOnlyMemory<byte>(tail, used, tail.Length - used);
            try
            {
                if (end != _recordedTailEnd)
                    AddRecord(rest);
                _recordedTailEnd = end; // counted: not again if the store asks once more
                return new JournalWrite(end, new[] { (byte)'\n' });
            }
            catch (Exception ex) when (ex is JsonException || ex is FormatException || ex is InvalidOperationException)
            {
                _recordedTailEnd = -1;
                return new JournalWrite(_consumed, Array.Empty<byte>());
            }
        }

        // A new journal starts with its header, written with its first record (one write: an append
        // blob gets both in one block).
        private JournalWrite Add(JournalWrite write, byte[] line)
        {
            byte[] header = write.At + write.Bytes.Length == 0
                ? Encoding.UTF8.GetBytes("{\"" + MarkerProperty + "\":" + FormatVersion.ToString(CultureInfo.InvariantCulture)
                    + ",\"created\":\"" + DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture) + "\"}\n")
                : Array.Empty<byte>();
            var bytes = new byte[write.Bytes.Length + header.Length + line.Length];
            Buffer.BlockCopy(write.Bytes, 0, bytes, 0, write.Bytes.Length);
            Buffer.BlockCopy(header, 0, bytes, write.Bytes.Length, header.Length);
            Buffer.BlockCopy(line, 0, bytes, write.Bytes.Length + header.Length, line.Length);
            return new JournalWrite(write.At, bytes);
        }

        /// <summary>Reads the records other writers appended since this instance last looked.</summary>
        private void Refresh()
        {
            byte[] tail;
            try
            {
                tail = _store.ReadFrom(_consumed);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                throw new HailuoException(ErrorIds.JournalWriteFailed,
                    $"Could not write to the journal '{Path}': it could not be read again: {ex.Message}", inner: ex);
            }
            ReadLines(tail);
        }

        // The whole lines of the bytes past what was read (tail starts at _consumed); a line still
        // being written (or cut off) waits for later. Returns how many bytes of tail were used.
        private int ReadLines(byte[] tail)
        {
            int start = 0;
            if (_consumed == 0 && tail.Length > 0)
            {
                // Another writer created the journal after this one found it missing: start with its header.
                int headerEnd = Array.IndexOf(tail, (byte)'\n');
                if (headerEnd < 0)
                    return 0;
                try
                {
                    CheckHeader(new ReadOnlyMemory<byte>(tail, 0, headerEnd));
                }
                catch (Exception ex) when (ex is JsonException || ex is FormatException || ex is InvalidOperationException)
                {
                    throw Invalid(Path, ex is NewerJournalException ? ex.Message : "it does not start with a HighwayHailuo journal header", ex);
                }
                _consumed = headerEnd + 1;
                start = headerEnd + 1;
            }
            while (true)
            {
                int end = Array.IndexOf(tail, (byte)'\n', start);
                if (end < 0)
                    return start;
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

        private static HailuoException Invalid(string path, string why, Exception? inner) =>
            new HailuoException(ErrorIds.JournalInvalid,
                $"'{path}' is not a HighwayHailuo journal: {why}. It was left as it is; pass another -Journal path.", inner: inner);
    }
}
