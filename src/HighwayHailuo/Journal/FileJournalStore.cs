// The journal as a file on this machine (or a share). Beside it, '<journal>.lock' holds one
// byte-range lock per submission (a held lock is a live claim: the operating system drops a dead
// process's locks at once) and one more lock, region 0, that makes appends take turns. Every
// append is flushed to disk before it returns.
using System;
using System.Collections.Generic;
using System.IO;
using System.Threading;
using HighwayHailuo.Errors;
using HighwayHailuo.Locking;

namespace HighwayHailuo.Journal
{
    internal sealed class FileJournalStore : IJournalStore
    {
        // Region 0 of the lock file: whoever holds it may append.
        private const long AppendRegion = 0;
        private static readonly TimeSpan s_appendPatience = TimeSpan.FromSeconds(30);
        private static readonly TimeSpan s_sharingPatience = TimeSpan.FromSeconds(2);

        private readonly RegionLockFile _locks;
        // Claims this instance holds: identity -> its lock region.
        private readonly Dictionary<string, long> _claimRegions = new Dictionary<string, long>(StringComparer.Ordinal);

        public FileJournalStore(string path)
        {
            Name = path;
            _locks = RegionLockFile.For(path + ".lock");
        }

        public string Name { get; }

        public TimeSpan DeadClaimDelay => TimeSpan.Zero;

        /// <summary>Told of each sharing conflict met while appending, before it is tried again (tests wait for it).</summary>
        internal Action<IOException>? SharingConflictMet { get; set; }

        public bool Exists() => File.Exists(Name);

        public byte[] ReadFrom(long offset)
        {
            if (!File.Exists(Name))
                return Array.Empty<byte>();
            using var file = new FileStream(Name, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            return ReadTail(file, offset);
        }

        public bool TryClaim(string identity)
        {
            long region = RegionLockFile.RegionOf(identity);
            lock (_claimRegions)
            {
                if (!TryLock(region))
                    return false;
                _claimRegions[identity] = region;
                return true;
            }
        }

        public void ReleaseClaim(string identity)
        {
            lock (_claimRegions)
            {
                if (_claimRegions.TryGetValue(identity, out long region))
                {
                    _claimRegions.Remove(identity);
                    _locks.Release(region);
                }
            }
        }

        // Takes the append lock (other processes' appends take turns), then reads, decides and writes
        // with nothing else appending. Nothing stays open or locked in between. A sharing conflict
        // (another program holding the file for a moment) is tried again for up to two seconds; any
        // other I/O failure (a full disk, a lost share) is reported at once.
        public long Append(Func<long> readFrom, Func<byte[], JournalWrite> compose)
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
                        return AppendUnderLock(readFrom, compose);
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

        private long AppendUnderLock(Func<long> readFrom, Func<byte[], JournalWrite> compose)
        {
            using var file = new FileStream(Name, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.ReadWrite | FileShare.Delete, 4096, FileOptions.None);
            var write = compose(ReadTail(file, readFrom()));
            if (write.At < file.Length)
                file.SetLength(write.At); // what a writer that died left unfinished
            if (write.Bytes.Length > 0)
            {
                file.Seek(0, SeekOrigin.End);
                file.Write(write.Bytes, 0, write.Bytes.Length);
            }
            file.Flush(flushToDisk: true);
            return file.Length;
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

        private static byte[] ReadTail(FileStream file, long offset)
        {
            long length = file.Length;
            if (length <= offset)
                return Array.Empty<byte>();
            var tail = new byte[length - offset];
            file.Seek(offset, SeekOrigin.Begin);
            for (int read = 0; read < tail.Length;)
            {
                int n = file.Read(tail, read, tail.Length - read);
                if (n == 0)
                    throw new IOException("the journal became shorter while it was read");
                read += n;
            }
            return tail;
        }

        private HailuoException WriteFailed(string why, Exception? inner) =>
            new HailuoException(ErrorIds.JournalWriteFailed,
                $"Could not write to the journal '{Name}': {why}", inner: inner);
    }
}
