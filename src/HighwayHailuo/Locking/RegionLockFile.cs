// Locks shared by every process that uses the same file: each lock is one byte of a lock file,
// taken with FileStream.Lock (a POSIX record lock on Linux and macOS, LockFileEx on Windows). The
// operating system releases a dead process's locks, so a held lock always means a live holder,
// which no timestamp or process id can promise (ids are reused).
//
// Two rules of POSIX record locks shape this class: they do not exclude within one process, and
// closing any handle of the file drops all of the process's locks on it. So there is one handle
// per lock file per process, closed only when this process holds none of its locks, and an
// in-process set of held regions that makes two runspaces of one process exclude each other too.
using System;
using System.Collections.Generic;
using System.IO;
using System.Security.Cryptography;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace HighwayHailuo.Locking
{
    internal sealed class RegionLockFile
    {
        private static readonly Dictionary<string, RegionLockFile> s_files = new Dictionary<string, RegionLockFile>(StringComparer.Ordinal);
        private static readonly TimeSpan s_retryEvery = TimeSpan.FromMilliseconds(200);

        private readonly HashSet<long> _held = new HashSet<long>();
        private FileStream? _file;

        private RegionLockFile(string path) => Path = path;

        public string Path { get; }

        /// <summary>The one instance for this path in this process.</summary>
        public static RegionLockFile For(string path)
        {
            string full = System.IO.Path.GetFullPath(path);
            lock (s_files)
            {
                if (!s_files.TryGetValue(full, out var file))
                    s_files[full] = file = new RegionLockFile(full);
                return file;
            }
        }

        /// <summary>A region (1 .. 2^30) for a key, the same in every process and .NET version.</summary>
        public static long RegionOf(string key)
        {
            using var sha = SHA256.Create();
            byte[] hash = sha.ComputeHash(Encoding.UTF8.GetBytes(key));
            return 1 + (BitConverter.ToUInt32(hash, 0) & 0x3FFFFFFF);
        }

        /// <summary>Takes the lock if no process (this one included) holds it; never waits.</summary>
        public bool TryAcquire(long region)
        {
            lock (_held)
            {
                if (_held.Contains(region))
                    return false;
                var file = _file ?? Open();
                try
                {
                    file.Lock(region, 1);
                }
                catch (IOException)
                {
                    CloseIfUnused();
                    return false; // another process holds it
                }
                _file = file;
                _held.Add(region);
                return true;
            }
        }

        /// <summary>Waits for the lock, checking every 200 ms; false when <paramref name="patience"/> runs out first.</summary>
        public async Task<bool> AcquireAsync(long region, TimeSpan patience, Action onFirstWait, CancellationToken cancel)
        {
            var deadline = DateTime.UtcNow + patience;
            bool waited = false;
            while (!TryAcquire(region))
            {
                if (DateTime.UtcNow >= deadline)
                    return false;
                if (!waited)
                {
                    waited = true;
                    onFirstWait();
                }
                await Task.Delay(s_retryEvery, cancel).ConfigureAwait(false);
            }
            return true;
        }

        /// <summary>
        /// Waits on this thread for a lock that is only ever held for a moment (a read and a write
        /// of a small file), checking every few milliseconds; false when <paramref name="patience"/> runs out.
        /// </summary>
        public bool Acquire(long region, TimeSpan patience)
        {
            var deadline = DateTime.UtcNow + patience;
            for (int tries = 0; !TryAcquire(region); tries++)
            {
                if (DateTime.UtcNow >= deadline)
                    return false;
                Thread.Sleep(tries < 10 ? 1 : 5);
            }
            return true;
        }

        public void Release(long region)
        {
            lock (_held)
            {
                if (!_held.Remove(region) || _file == null)
                    return;
                try
                {
                    _file.Unlock(region, 1);
                }
                catch (IOException)
                {
                    // Closing the handle below (when nothing else is held) releases it anyway.
                }
                CloseIfUnused();
            }
        }

        private FileStream Open()
        {
            var file = new FileStream(Path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete);
            _file = file;
            try
            {
                // A lock file is bookkeeping, not content: keep it out of a plain Get-ChildItem on Windows
                // (on Linux and macOS the leading dot or the journal's name already says what it is).
                if (Environment.OSVersion.Platform == PlatformID.Win32NT)
                    File.SetAttributes(Path, File.GetAttributes(Path) | FileAttributes.Hidden);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
            }
            return file;
        }

        private void CloseIfUnused()
        {
            if (_held.Count > 0 || _file == null)
                return;
            _file.Dispose();
            _file = null;
        }
    }
}
