// What kind of file-system failure an IOException is, where that decides between waiting and
// failing at once: a full disk never clears by itself, a sharing conflict (another program that
// holds the file for a moment: a virus scanner, a backup, a sync client) usually does.
using System.IO;

namespace HighwayHailuo.Errors
{
    internal static class IoFailure
    {
        // On Windows an IOException's HResult is 0x8007xxxx (a Win32 error); on Linux and macOS .NET
        // puts the raw errno there.
        private const int Win32Facility = unchecked((int)0x80070000);

        /// <summary>ENOSPC (28) on Linux and macOS; ERROR_HANDLE_DISK_FULL (39) and ERROR_DISK_FULL (112) on Windows.</summary>
        public static bool IsDiskFull(IOException ex) =>
            IsWin32(ex, out int code) ? code == 39 || code == 112 : ex.HResult == 28;

        /// <summary>EROFS (30) on Linux and macOS; ERROR_WRITE_PROTECT (19) on Windows.</summary>
        public static bool IsReadOnlyFileSystem(IOException ex) =>
            IsWin32(ex, out int code) ? code == 19 : ex.HResult == 30;

        /// <summary>EDQUOT (122 on Linux, 69 on macOS); ERROR_DISK_QUOTA_EXCEEDED (1295) on Windows.</summary>
        public static bool IsQuotaExceeded(IOException ex) =>
            IsWin32(ex, out int code) ? code == 1295 : ex.HResult == 122 || ex.HResult == 69;

        /// <summary>
        /// A failure that every further file in the same place would meet too: a full disk or quota,
        /// a read-only file system. (Permission refused is UnauthorizedAccessException, not an IOException.)
        /// </summary>
        public static bool AffectsEveryFile(IOException ex) => IsDiskFull(ex) || IsQuotaExceeded(ex) || IsReadOnlyFileSystem(ex);

        /// <summary>
        /// ERROR_SHARING_VIOLATION (32) and ERROR_LOCK_VIOLATION (33) on Windows; EWOULDBLOCK (11 on
        /// Linux, 35 on macOS), which .NET raises when another process holds a file it opened with
        /// FileShare.None.
        /// </summary>
        public static bool IsSharingConflict(IOException ex) =>
            IsWin32(ex, out int code) ? code == 32 || code == 33 : ex.HResult == 11 || ex.HResult == 35;

        private static bool IsWin32(IOException ex, out int code)
        {
            code = ex.HResult & 0xFFFF;
            return (ex.HResult & unchecked((int)0xFFFF0000)) == Win32Facility;
        }
    }
}
