// One lock per destination file, shared by every process and runspace of this user, so two saves
// of the same video take turns: the operating system drops a dead holder's lock, and the second
// finds the finished file instead of downloading it again or calling it a VideoFileExists
// conflict. The lock file lives in the temp folder, so the videos folder holds only videos.
using System;
using System.IO;
using System.Threading;
using System.Threading.Tasks;
using HighwayHailuo.Locking;

namespace HighwayHailuo.Saving
{
    internal static class SaveLocks
    {
        // One lock file per user and machine for all saves; a lock per destination file in it. Made
        // once: on Unix, Environment.UserName reads the user database on every call.
        private static readonly Lazy<string> s_lockFile = new Lazy<string>(() => Path.Combine(Path.GetTempPath(), "highwayhailuo-save-" + Environment.UserName + ".lock"));

        private static string LockFile => s_lockFile.Value;

        /// <summary>
        /// Waits up to <paramref name="patience"/> for the lock of <paramref name="path"/>. Returns
        /// the held lock, <see cref="SaveLock.Unavailable"/> when no lock can be had here (another
        /// user's lock file, a read-only temp folder: save as before), or null when another process
        /// kept it the whole time.
        /// </summary>
        public static async Task<SaveLock?> AcquireAsync(string path, TimeSpan patience, Action onFirstWait, CancellationToken cancel)
        {
            var locks = RegionLockFile.For(LockFile);
            // Case-folded: on a file system that ignores case, A.mp4 and a.mp4 are one file (elsewhere
            // two such files only share a lock, which costs a wait, nothing more).
            long region = RegionLockFile.RegionOf(path.ToUpperInvariant());
            try
            {
                return await locks.AcquireAsync(region, patience, onFirstWait, cancel).ConfigureAwait(false)
                    ? new SaveLock(locks, region, null) : null;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return new SaveLock(null, 0, ex.Message);
            }
        }
    }

    /// <summary>A held save lock (or the note that none could be had); dispose to release it.</summary>
    internal sealed class SaveLock : IDisposable
    {
        private RegionLockFile? _locks;
        private readonly long _region;

        internal SaveLock(RegionLockFile? locks, long region, string? unavailable)
        {
            _locks = locks;
            _region = region;
            Unavailable = unavailable;
        }

        /// <summary>Why no lock could be had, when none could; the save goes on without it.</summary>
        public string? Unavailable { get; }

        public void Dispose() => Interlocked.Exchange(ref _locks, null)?.Release(_region);
    }
}
