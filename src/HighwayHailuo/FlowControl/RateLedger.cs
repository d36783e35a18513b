// Where a submission pacer keeps its window (RateWindow): the acceptances the server counted,
// the submissions still in flight and the limit learned from a 429. The server limits the account,
// not the process, so every process and runspace of this user that submits with the same key to
// the same host shares one window through a small file, changed only under a lock that the
// operating system releases when its holder dies (RegionLockFile). Unit tests and a machine
// without a writable profile get a window kept in memory instead.
using System;
using System.Buffers;
using System.Buffers.Text;
using System.IO;
using System.Text;
using HighwayHailuo.Catalogue;
using HighwayHailuo.Locking;

namespace HighwayHailuo.FlowControl
{
    internal abstract class RateLedger
    {
        protected RateLedger(TimeSpan window) => Window = window;

        /// <summary>The length of the window the server counts submissions in.</summary>
        public TimeSpan Window { get; }

        /// <summary>True when other processes may change the window too, so a waiter must look again now and then.</summary>
        public abstract bool Shared { get; }

        /// <summary>Why the shared window could not be used, once, for the verbose stream; null when nothing went wrong.</summary>
        public virtual string? TakeProblem() => null;

        /// <summary>
        /// Reads the window, lets <paramref name="change"/> change it, and stores it, as one step no
        /// other pacer interleaves with. <paramref name="now"/> is the pacer's clock, for tidying.
        /// </summary>
        public abstract T Change<T>(DateTime now, Func<RateWindow, T> change);

        /// <summary>A window in this pacer's memory only.</summary>
        public static RateLedger InMemory(TimeSpan window) => new MemoryLedger(window);

        private sealed class MemoryLedger : RateLedger
        {
            private readonly RateWindow _window;

            public MemoryLedger(TimeSpan window) : base(window) => _window = new RateWindow(window);

            public override bool Shared => false;

            public override T Change<T>(DateTime now, Func<RateWindow, T> change)
            {
                lock (_window)
                    return change(_window);
            }
        }
    }

    /// <summary>
    /// The window of one account (API host, key and endpoint) shared by every process of this user
    /// through one ledger file in the user's local application data. The file names each account
    /// by a truncated SHA-256 of host, key and endpoint, never the key. Each account takes a few lines however
    /// many submissions its window holds, so a change reads and writes a few kilobytes at most, and
    /// is parsed from the bytes without making a string of them. A line torn by a crash is skipped
    /// when read, which can only make the pacer forget.
    /// </summary>
    /// <remarks>
    /// The lines (numbers in decimal, times in UTC ticks):
    ///   L account limit checked-at          the learned limit
    ///   A account slice-ticks first-slice c1,c2,...   acceptances per slice, from first-slice on
    ///   F account started-at token           a submission in flight
    /// </remarks>
    internal sealed class FileRateLedger : RateLedger
    {
        // Version 1 kept one line per submission (rate-ledger.txt); its processes keep their own file.
        private const string FileName = "rate-ledger-2.txt";
        private static readonly byte[] s_header = Encoding.ASCII.GetBytes("HighwayHailuo rate ledger 2\n");
        private static readonly TimeSpan s_lockPatience = TimeSpan.FromSeconds(5);
        // Other accounts' pacers tidy their own windows; these bounds only keep the file small (an
        // acceptance line is kept for its own window: see KeepOthersCounts).
        private static readonly TimeSpan s_keepOthersInFlightFor = TimeSpan.FromHours(1);
        private static readonly TimeSpan s_keepOthersLimitFor = TimeSpan.FromDays(1);
        // A ledger is a few kilobytes; anything past this is not one, and is dropped when rewritten.
        private const int MaxFileBytes = 1024 * 1024;

        private readonly string _path;
        private readonly RegionLockFile _lock;
        private readonly byte[] _account;
        private readonly RateLedger _fallback;
        // This account's window, read afresh from the file on every change (under the lock, so one user at a time).
        private readonly RateWindow _window;
        private volatile bool _fellBack;
        private bool _folderMade;
        private string? _problem;

        public FileRateLedger(string path, string account, TimeSpan window) : base(window)
        {
            _path = path;
            _account = Encoding.ASCII.GetBytes(account);
            _lock = RegionLockFile.For(path + ".lock");
            _window = new RateWindow(window);
            _fallback = InMemory(window);
        }

        public override bool Shared => !_fellBack;

        public override string? TakeProblem() => System.Threading.Interlocked.Exchange(ref _problem, null);

        /// <summary>The default ledger file: per user, so no other user can plant or read it.</summary>
        public static string? DefaultPath()
        {
            // DoNotVerify: a fresh account or container may not have the folder yet; it is made on first use.
            string root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
            if (string.IsNullOrEmpty(root))
                return null;
            return Path.Combine(Path.Combine(root, "HighwayHailuo"), FileName);
        }

        /// <summary>
        /// An account's name in the ledger: 16 hex digits of SHA-256 over host, key and endpoint (the
        /// server limits each model on its own), from which the key cannot be recovered.
        /// </summary>
        // The first endpoint keeps the account it had before there were others, so limits learned
        // then still hold.
        public static string AccountOf(Uri baseUri, string? apiKey, string endpoint) =>
            AccountNames.Fingerprint("HighwayHailuo rate account", baseUri, apiKey, endpoint == HailuoModels.DefaultEndpoint.Name ? null : endpoint);

        /// <summary>Bytes this ledger read from and wrote to its file, for the tests that hold the cost per submission constant.</summary>
        internal long BytesRead { get; private set; }
        internal long BytesWritten { get; private set; }

        public override T Change<T>(DateTime now, Func<RateWindow, T> change)
        {
            if (!_fellBack)
            {
                bool locked = false;
                byte[]? before = null;
                var after = new LedgerWriter();
                try
                {
                    if (!_folderMade)
                    {
                        Directory.CreateDirectory(Path.GetDirectoryName(_path)!);
                        _folderMade = true;
                    }
                    locked = _lock.Acquire(0, s_lockPatience);
                    if (locked)
                    {
                        int length = Read(ref before);
                        after.Append(s_header, 0, s_header.Length);
                        _window.Clear();
                        _window.Limit = null;
                        Parse(before!, length, now, after);
                        T result = change(_window);
                        WriteMine(after);
                        if (!after.SameAs(before!, length)) // a look that changed nothing (reading the limit) writes nothing
                            Write(after);
                        return result;
                    }
                    FallBack("another process held the rate ledger's lock for more than " + s_lockPatience.TotalSeconds + " s");
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    FallBack(ex.Message);
                }
                finally
                {
                    if (locked)
                        _lock.Release(0);
                    if (before != null)
                        ArrayPool<byte>.Shared.Return(before);
                    after.Dispose();
                }
            }
            return _fallback.Change(now, change);
        }

        // The pacer goes on alone rather than stopping submissions: sharing only saves 429s.
        private void FallBack(string why)
        {
            _fellBack = true;
            _problem = "Pacing submissions in this process only: the shared rate ledger " + _path + " is not usable (" + why + ").";
        }

        private int Read(ref byte[]? buffer)
        {
            try
            {
                // Unbuffered: the whole file is read into one pooled array.
                using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
                int length = (int)Math.Min(stream.Length, MaxFileBytes);
                buffer = ArrayPool<byte>.Shared.Rent(Math.Max(length, 1));
                int total = 0;
                while (total < length)
                {
                    int n = stream.Read(buffer, total, length - total);
                    if (n == 0)
                        break;
                    total += n;
                }
                BytesRead += total;
                return total;
            }
            catch (Exception ex) when (ex is FileNotFoundException || ex is DirectoryNotFoundException)
            {
                buffer = ArrayPool<byte>.Shared.Rent(1);
                return 0;
            }
        }

        private void Write(LedgerWriter text)
        {
            using var stream = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1);
            stream.Write(text.Buffer, 0, text.Length);
            stream.SetLength(text.Length);
            BytesWritten += text.Length;
        }

        // Reads this account's lines into the window and copies other accounts' lines that are still
        // fresh to the new text as they are.
        private void Parse(byte[] text, int length, DateTime now, LedgerWriter others)
        {
            int start = 0;
            while (start < length)
            {
                int end = Array.IndexOf(text, (byte)'\n', start, length - start);
                if (end < 0)
                    end = length; // the last line, maybe torn: it must parse whole to count
                var line = new ArraySegment<byte>(text, start, end - start);
                if (ParseLine(line, now, out bool keep) && keep)
                {
                    others.Append(text, line.Offset, line.Count);
                    others.Append((byte)'\n');
                }
                start = end + 1;
            }
        }

        // False for a line that is not a record (the header, or torn). Keep: another account's fresh line.
        private bool ParseLine(ArraySegment<byte> line, DateTime now, out bool keep)
        {
            keep = false;
            var fields = new FieldReader(line);
            if (!fields.Next(out var kind) || kind.Count != 1 || !fields.Next(out var account) || account.Count != 16)
                return false;
            bool mine = SameBytes(account, _account);
            switch (line.Array![kind.Offset])
            {
                case (byte)'L':
                    if (!fields.NextNumber(out long limit) || !fields.NextNumber(out long checkedAt) || fields.Next(out _)
                        || limit <= 0 || limit >= int.MaxValue || !IsTime(checkedAt))
                        return false;
                    if (mine)
                    {
                        _window.Limit = (int)limit;
                        _window.LimitCheckedAt = new DateTime(checkedAt, DateTimeKind.Utc);
                    }
                    keep = !mine && now - new DateTime(checkedAt, DateTimeKind.Utc) < s_keepOthersLimitFor;
                    return true;

                case (byte)'F':
                    if (!fields.NextNumber(out long started) || !fields.NextNumber(out long token) || fields.Next(out _) || !IsTime(started))
                        return false;
                    if (mine)
                        _window.InFlight.Add((new DateTime(started, DateTimeKind.Utc), token));
                    keep = !mine && now - new DateTime(started, DateTimeKind.Utc) < s_keepOthersInFlightFor;
                    return true;

                case (byte)'A':
                    if (!fields.NextNumber(out long sliceTicks) || !fields.NextNumber(out long first) || !fields.Next(out var counts) || fields.Next(out _)
                        || sliceTicks <= 0 || first < 0 || first > DateTime.MaxValue.Ticks / sliceTicks)
                        return false;
                    return mine ? ParseCounts(counts, sliceTicks, first, now) : KeepOthersCounts(counts, sliceTicks, first, now, out keep);

                default:
                    return false;
            }
        }

        // Each count is placed at its slice's last instant in this pacer's own slicing, so a slice of
        // another width (a process with another window) can only be remembered longer, never shorter.
        private bool ParseCounts(ArraySegment<byte> counts, long sliceTicks, long first, DateTime now)
        {
            long slice = first;
            int at = counts.Offset, end = counts.Offset + counts.Count;
            while (at < end)
            {
                int comma = Array.IndexOf(counts.Array!, (byte)',', at, end - at);
                int stop = comma < 0 ? end : comma;
                if (!Utf8Parser.TryParse(new ReadOnlySpan<byte>(counts.Array, at, stop - at), out int count, out int used) || used != stop - at || count < 0)
                    return false;
                long lastInstant = (slice + 1) * sliceTicks - 1;
                if (!IsTime(lastInstant))
                    return false;
                if (count > 0)
                    _window.Accept(new DateTime(lastInstant, DateTimeKind.Utc), count);
                slice++;
                at = stop + 1;
            }
            return true;
        }

        // Another account's counts are only checked for shape (a torn line is dropped) and kept
        // while its newest slice is within a window of now: its writer's window is its slice width
        // times RateWindow.Slices. One that has passed is dropped, so the file holds the accounts in
        // use, not every account used in the last hour (a test run uses hundreds).
        private static bool KeepOthersCounts(ArraySegment<byte> counts, long sliceTicks, long first, DateTime now, out bool keep)
        {
            keep = false;
            long slices = 1;
            bool digit = false;
            for (int i = counts.Offset; i < counts.Offset + counts.Count; i++)
            {
                byte b = counts.Array![i];
                if (b == (byte)',')
                {
                    if (!digit)
                        return false;
                    slices++;
                    digit = false;
                }
                else if (b >= (byte)'0' && b <= (byte)'9')
                {
                    digit = true;
                }
                else
                {
                    return false;
                }
            }
            if (!digit)
                return false;
            long newest = first + slices - 1;
            if (newest > DateTime.MaxValue.Ticks / sliceTicks)
                return false;
            keep = now.Ticks / sliceTicks - newest <= RateWindow.Slices + 1;
            return true;
        }

        private void WriteMine(LedgerWriter text)
        {
            var window = _window;
            if (window.Limit is int limit)
            {
                Record(text, 'L').Number(limit).Append((byte)' ').Number(window.LimitCheckedAt.Ticks).Append((byte)'\n');
            }
            if (window.TryGetStretch(out long first, out long last))
            {
                Record(text, 'A').Number(window.SliceTicks).Append((byte)' ').Number(first).Append((byte)' ');
                for (long slice = first; slice <= last; slice++)
                {
                    if (slice > first)
                        text.Append((byte)',');
                    text.Number(window.CountAt(slice));
                }
                text.Append((byte)'\n');
            }
            foreach (var (started, token) in window.InFlight)
                Record(text, 'F').Number(started.Ticks).Append((byte)' ').Number(token).Append((byte)'\n');
        }

        private LedgerWriter Record(LedgerWriter text, char kind) =>
            text.Append((byte)kind).Append((byte)' ').Append(_account, 0, _account.Length).Append((byte)' ');

        private static bool IsTime(long ticks) => ticks >= DateTime.MinValue.Ticks && ticks <= DateTime.MaxValue.Ticks;

        private static bool SameBytes(ArraySegment<byte> a, byte[] b) =>
            new ReadOnlySpan<byte>(a.Array, a.Offset, a.Count).SequenceEqual(b);

        /// <summary>The space-separated fields of one line, each read once.</summary>
        private struct FieldReader
        {
            private readonly ArraySegment<byte> _line;
            private int _at;

            public FieldReader(ArraySegment<byte> line)
            {
                _line = line;
                _at = line.Offset;
            }

            public bool Next(out ArraySegment<byte> field)
            {
                int end = _line.Offset + _line.Count;
                if (_at >= end)
                {
                    field = default;
                    return false;
                }
                int space = Array.IndexOf(_line.Array!, (byte)' ', _at, end - _at);
                int stop = space < 0 ? end : space;
                field = new ArraySegment<byte>(_line.Array!, _at, stop - _at);
                _at = stop + 1;
                return field.Count > 0;
            }

            public bool NextNumber(out long value)
            {
                value = 0;
                return Next(out var field)
                    && Utf8Parser.TryParse(new ReadOnlySpan<byte>(field.Array, field.Offset, field.Count), out value, out int used)
                    && used == field.Count;
            }
        }

        /// <summary>The new text of the ledger, in a pooled buffer that grows as needed.</summary>
        private sealed class LedgerWriter : IDisposable
        {
            public byte[] Buffer { get; private set; } = ArrayPool<byte>.Shared.Rent(4096);
            public int Length { get; private set; }

            public LedgerWriter Append(byte value)
            {
                Reserve(1);
                Buffer[Length++] = value;
                return this;
            }

            public LedgerWriter Append(byte[] source, int offset, int count)
            {
                Reserve(count);
                System.Buffer.BlockCopy(source, offset, Buffer, Length, count);
                Length += count;
                return this;
            }

            public LedgerWriter Number(long value)
            {
                Reserve(20);
                Utf8Formatter.TryFormat(value, new Span<byte>(Buffer, Length, 20), out int written);
                Length += written;
                return this;
            }

            public bool SameAs(byte[] other, int length) =>
                length == Length && new ReadOnlySpan<byte>(Buffer, 0, Length).SequenceEqual(new ReadOnlySpan<byte>(other, 0, length));

            private void Reserve(int count)
            {
                if (Length + count <= Buffer.Length)
                    return;
                var larger = ArrayPool<byte>.Shared.Rent(Math.Max(Buffer.Length * 2, Length + count));
                System.Buffer.BlockCopy(Buffer, 0, larger, 0, Length);
                ArrayPool<byte>.Shared.Return(Buffer);
                Buffer = larger;
            }

            public void Dispose()
            {
                if (Buffer.Length > 0)
                    ArrayPool<byte>.Shared.Return(Buffer);
                Buffer = Array.Empty<byte>();
            }
        }
    }
}
