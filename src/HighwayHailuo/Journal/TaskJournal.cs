// A journal of submissions (-Journal): JSON lines, one per event, each flushed to disk before
// anything depends on it. The first line marks the file as a HighwayHailuo journal, so a wrong path
// is refused instead of being appended to. The last record of an image and its parameters says what
// became of it; a crash can at worst cut the last line short, which is tolerated and trimmed.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Management.Automation;
using System.Text;
using System.Text.Json;
using System.Threading;
using System.Threading.Tasks;
using HighwayHailuo.Infrastructure;

namespace HighwayHailuo.Journal
{
    internal sealed class TaskJournal
    {
        private const string MarkerProperty = "highwayHailuoJournal";
        private const int FormatVersion = 1;

        private readonly object _lock = new object();
        private readonly List<JournalRecord> _records = new List<JournalRecord>();
        private readonly Dictionary<string, JournalRecord> _latest = new Dictionary<string, JournalRecord>(StringComparer.Ordinal);
        private readonly Dictionary<string, TaskCompletionSource<JournalRecord>> _inProgress = new Dictionary<string, TaskCompletionSource<JournalRecord>>(StringComparer.Ordinal);
        private long _trimTo = -1; // where a cut-off last line starts; trimmed before the first append
        private long _loadedLength; // the file's length when read: trim only if nobody has appended since

        private TaskJournal(string path) => Path = path;

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
                    throw new InputValidationException(ErrorIds.JournalNotFound, ErrorCategory.ObjectNotFound,
                        $"The journal '{path}' does not exist or is empty.");
                return journal; // the header is written with the first record
            }
            journal.Load(content);
            return journal;
        }

        private void Load(byte[] content)
        {
            _loadedLength = content.Length;
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
                        // recorded nothing that was relied on.
                        _trimTo = start;
                        Warning = string.Format(CultureInfo.InvariantCulture,
                            "The last line of the journal '{0}' was cut off (line {1}); it was ignored.", Path, lineNumber);
                        break;
                    }
                    throw Invalid(Path, lineNumber == 1
                        ? "it does not start with a HighwayHailuo journal header"
                        : string.Format(CultureInfo.InvariantCulture, "line {0} is not a journal record ({1})", lineNumber, ex.Message), ex);
                }
                if (!complete)
                    _trimTo = content.Length; // a whole record without its newline: keep it, add the newline
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
                throw new FormatException("written by a newer HighwayHailuo (journal version " + version.GetInt32().ToString(CultureInfo.InvariantCulture) + ")");
        }

        private void AddRecord(ReadOnlyMemory<byte> line)
        {
            using var doc = JsonDocument.Parse(line);
            var record = JournalRecord.Parse(doc.RootElement);
            if (record == null)
                return;
            _records.Add(record);
            _latest[record.Identity] = record;
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
        /// caller gets the claim and must record an outcome or release it; an identical item in the
        /// same run gets a task to wait on instead, and looks again once it completes.
        /// </summary>
        public JournalRecord? Claim(JournalRecord identity, bool resubmitUnknown, out Task<JournalRecord>? inProgress)
        {
            lock (_lock)
            {
                inProgress = null;
                if (_inProgress.TryGetValue(identity.Identity, out var pending))
                {
                    inProgress = pending.Task;
                    return null;
                }
                if (_latest.TryGetValue(identity.Identity, out var recorded)
                    && (recorded.State == JournalState.Submitted || (!resubmitUnknown && recorded.State != JournalState.NotSubmitted)))
                    return recorded;
                _inProgress[identity.Identity] = new TaskCompletionSource<JournalRecord>(TaskCreationOptions.RunContinuationsAsynchronously);
                return null;
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
            }
            pending?.TrySetResult(record);
        }

        /// <summary>Appends a record and flushes it to disk before returning. Final states end the claim.</summary>
        public void Append(JournalRecord record)
        {
            byte[] line = record.ToJsonLine();
            TaskCompletionSource<JournalRecord>? finished = null;
            lock (_lock)
            {
                WriteDurably(line);
                _records.Add(record);
                _latest[record.Identity] = record;
                if (record.State != JournalState.Submitting && _inProgress.TryGetValue(record.Identity, out finished))
                    _inProgress.Remove(record.Identity);
            }
            finished?.TrySetResult(record);
        }

        // Called under the lock. Opens, appends and closes each time: nothing stays locked if the
        // session dies, and another process appending to the same journal only waits its turn.
        private void WriteDurably(byte[] line)
        {
            for (int attempt = 1; ; attempt++)
            {
                try
                {
                    using var file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, 4096, FileOptions.None);
                    if (file.Length == 0)
                    {
                        byte[] header = Encoding.UTF8.GetBytes("{\"" + MarkerProperty + "\":" + FormatVersion.ToString(CultureInfo.InvariantCulture)
                            + ",\"created\":\"" + DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture) + "\"}\n");
                        file.Write(header, 0, header.Length);
                    }
                    else if (_trimTo >= 0)
                    {
                        // Drop a cut-off last line, or end a last record that lacks its newline.
                        // Never cut what another process appended after the file was read.
                        if (_trimTo < file.Length && file.Length == _loadedLength)
                            file.SetLength(_trimTo);
                        else
                        {
                            file.Seek(0, SeekOrigin.End);
                            file.WriteByte((byte)'\n');
                        }
                    }
                    _trimTo = -1;
                    file.Seek(0, SeekOrigin.End);
                    file.Write(line, 0, line.Length);
                    file.Flush(flushToDisk: true);
                    return;
                }
                catch (IOException) when (attempt < 50)
                {
                    Thread.Sleep(100); // another process is appending right now
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    throw new InputValidationException(ErrorIds.JournalWriteFailed, ErrorCategory.WriteError,
                        $"Could not write to the journal '{Path}': {ex.Message}", ex);
                }
            }
        }

        private static byte[] ReadShared(string path)
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new MemoryStream();
            file.CopyTo(buffer);
            return buffer.ToArray();
        }

        private static InputValidationException Invalid(string path, string why, Exception? inner) =>
            new InputValidationException(ErrorIds.JournalInvalid, ErrorCategory.InvalidData,
                $"'{path}' is not a HighwayHailuo journal: {why}. It was left as it is; pass another -Journal path.", inner);
    }
}
