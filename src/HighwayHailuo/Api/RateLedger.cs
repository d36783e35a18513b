// Where a submission pacer keeps its window: the submissions the server counted (and those still
// in flight) and the limit learned from a 429. The server limits the account, not the process, so
// every process and runspace of this user that submits with the same key to the same host shares
// one window through a small file, changed only under a lock that the operating system releases
// when its holder dies (RegionLockFile). Unit tests and a machine without a writable profile get
// a window kept in memory instead.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using HighwayHailuo.Locking;

namespace HighwayHailuo.Api
{
    /// <summary>One account's window, as the pacer reads and changes it.</summary>
    internal sealed class RateWindow
    {
        /// <summary>Submissions in the window, oldest first; a nonzero token marks one still in flight (its turn's id).</summary>
        public List<(DateTime Time, long Token)> Entries { get; } = new List<(DateTime, long)>();

        /// <summary>The learned number of submissions per window, or null while none was refused.</summary>
        public int? Limit { get; set; }

        /// <summary>When the limit was last learned or raised.</summary>
        public DateTime LimitCheckedAt { get; set; }
    }

    internal abstract class RateLedger
    {
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
        public static RateLedger InMemory() => new MemoryLedger();

        private sealed class MemoryLedger : RateLedger
        {
            private readonly RateWindow _window = new RateWindow();

            public override bool Shared => false;

            public override T Change<T>(DateTime now, Func<RateWindow, T> change)
            {
                lock (_window)
                    return change(_window);
            }
        }
    }

    /// <summary>
    /// The window of one account (API host and key) shared by every process of this user through
    /// one ledger file in the user's local application data. The file names each account by a
    /// truncated SHA-256 of host and key, never the key. Writes are small and made under the lock;
    /// a record torn by a crash is skipped when read, which can only make the pacer forget.
    /// </summary>
    internal sealed class FileRateLedger : RateLedger
    {
        private const string Header = "HighwayHailuo rate ledger 1";
        private static readonly TimeSpan s_lockPatience = TimeSpan.FromSeconds(5);
        // Other accounts' pacers trim their own windows; these bounds only keep the file small.
        private static readonly TimeSpan s_keepOthersEntriesFor = TimeSpan.FromHours(1);
        private static readonly TimeSpan s_keepOthersLimitFor = TimeSpan.FromDays(1);

        private readonly string _path;
        private readonly RegionLockFile _lock;
        private readonly string _account;
        private readonly RateLedger _fallback = InMemory();
        private volatile bool _fellBack;
        private bool _folderMade;
        private string? _problem;

        public FileRateLedger(string path, string account)
        {
            _path = path;
            _account = account;
            _lock = RegionLockFile.For(path + ".lock");
        }

        public override bool Shared => !_fellBack;

        public override string? TakeProblem() => System.Threading.Interlocked.Exchange(ref _problem, null);

        /// <summary>The default ledger file: per user, so no other user can plant or read it.</summary>
        public static string? DefaultPath()
        {
            string root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData);
            if (string.IsNullOrEmpty(root))
                return null;
            return Path.Combine(Path.Combine(root, "HighwayHailuo"), "rate-ledger.txt");
        }

        /// <summary>
        /// An account's name in the ledger: 16 hex digits of SHA-256 over host, key and endpoint (the
        /// server limits each model on its own), from which the key cannot be recovered.
        /// </summary>
        // The first endpoint keeps the account it had before there were others, so limits learned
        // then still hold and a process of an earlier version shares its window.
        public static string AccountOf(Uri baseUri, string? apiKey, string endpoint) =>
            HighwayConnection.Fingerprint("HighwayHailuo rate account", baseUri, apiKey, endpoint == HailuoModels.DefaultEndpoint.Name ? null : endpoint);

        public override T Change<T>(DateTime now, Func<RateWindow, T> change)
        {
            if (!_fellBack)
            {
                bool locked = false;
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
                        var accounts = Read(out string before);
                        if (!accounts.TryGetValue(_account, out var window))
                            accounts[_account] = window = new RateWindow();
                        T result = change(window);
                        string after = Format(accounts, now);
                        if (after != before) // a look that changed nothing (reading the limit) writes nothing
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

        private Dictionary<string, RateWindow> Read(out string text)
        {
            var accounts = new Dictionary<string, RateWindow>(StringComparer.Ordinal);
            text = "";
            if (!File.Exists(_path))
                return accounts;
            using (var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var reader = new StreamReader(stream, new UTF8Encoding(false)))
                text = reader.ReadToEnd();

            foreach (string line in text.Split('\n'))
            {
                // L <account> <limit> <checked ticks>   |   E <account> <ticks> <token>
                string[] part = line.Trim().Split(' ');
                if (part.Length != 4 || part[1].Length != 16
                    || !long.TryParse(part[3], NumberStyles.Integer, CultureInfo.InvariantCulture, out long last)
                    || !long.TryParse(part[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out long middle))
                    continue; // the header, or a line torn by a crash
                if (!accounts.TryGetValue(part[1], out var window))
                    accounts[part[1]] = window = new RateWindow();
                if (part[0] == "L" && middle > 0 && middle < int.MaxValue && last >= DateTime.MinValue.Ticks && last <= DateTime.MaxValue.Ticks)
                {
                    window.Limit = (int)middle;
                    window.LimitCheckedAt = new DateTime(last, DateTimeKind.Utc);
                }
                else if (part[0] == "E" && middle >= DateTime.MinValue.Ticks && middle <= DateTime.MaxValue.Ticks)
                {
                    window.Entries.Add((new DateTime(middle, DateTimeKind.Utc), last));
                }
            }
            foreach (var window in accounts.Values)
                window.Entries.Sort((a, b) => a.Time.CompareTo(b.Time));
            return accounts;
        }

        private string Format(Dictionary<string, RateWindow> accounts, DateTime now)
        {
            var text = new StringBuilder(Header).Append('\n');
            foreach (var pair in accounts)
            {
                var window = pair.Value;
                bool mine = pair.Key == _account;
                if (window.Limit is int limit && (mine || now - window.LimitCheckedAt < s_keepOthersLimitFor))
                    text.Append("L ").Append(pair.Key).Append(' ').Append(limit.ToString(CultureInfo.InvariantCulture)).Append(' ')
                        .Append(window.LimitCheckedAt.Ticks.ToString(CultureInfo.InvariantCulture)).Append('\n');
                foreach (var entry in window.Entries)
                {
                    if (!mine && now - entry.Time >= s_keepOthersEntriesFor)
                        continue;
                    text.Append("E ").Append(pair.Key).Append(' ').Append(entry.Time.Ticks.ToString(CultureInfo.InvariantCulture)).Append(' ')
                        .Append(entry.Token.ToString(CultureInfo.InvariantCulture)).Append('\n');
                }
            }
            return text.ToString();
        }

        private void Write(string text)
        {
            byte[] bytes = new UTF8Encoding(false).GetBytes(text);
            using var stream = new FileStream(_path, FileMode.OpenOrCreate, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
            stream.Write(bytes, 0, bytes.Length);
            stream.SetLength(bytes.Length);
        }
    }
}
