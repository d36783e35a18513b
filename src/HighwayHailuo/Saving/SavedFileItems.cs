// The saved videos as the pipeline gets them: FileInfo objects decorated as the FileSystem provider
// decorates Get-Item's output (PSPath, PSParentPath, PSChildName, PSDrive, PSProvider,
// PSIsContainer, and UnixStat on Unix, which the Mode/User/Group columns read), so they format and
// pipe (Remove-Item, Copy-Item, Invoke-Item) like Get-ChildItem output. Each file is asked for by
// its provider-qualified path: a drive path makes PowerShell re-read the system's mount table on
// every call (about 0.4 ms a file here, against 0.06), a cost a batch of thousands pays thousands
// of times. The drive, which a qualified path does not carry, is learnt once from the folder.
using System;
using System.IO;
using System.Management.Automation;

namespace HighwayHailuo.Saving
{
    internal sealed class SavedFileItems
    {
        private readonly ProviderIntrinsics _provider;
        private readonly string? _qualifier; // "Microsoft.PowerShell.Core\FileSystem::"
        private readonly object? _drive;
        private readonly Action<string> _debug;

        private SavedFileItems(ProviderIntrinsics provider, string? qualifier, object? drive, Action<string> debug)
        {
            _provider = provider;
            _qualifier = qualifier;
            _drive = drive;
            _debug = debug;
        }

        /// <summary>Learns the qualifier and the drive from the folder's own item. Pipeline thread only: it goes through this runspace's provider.</summary>
        public static SavedFileItems For(ProviderIntrinsics provider, string folder, Action<string> debug)
        {
            try
            {
                var items = provider.Item.Get(new[] { folder }, force: true, literalPath: true);
                if (items.Count == 1 && items[0].Properties["PSPath"]?.Value is string psPath)
                {
                    int end = psPath.IndexOf("::", StringComparison.Ordinal);
                    if (end > 0)
                        return new SavedFileItems(provider, psPath.Substring(0, end + 2), items[0].Properties["PSDrive"]?.Value, debug);
                }
            }
            catch (Exception ex) when (IsReadFailure(ex))
            {
                debug($"The provider could not read '{folder}' ({ex.Message}); writing plain FileInfo objects.");
            }
            return new SavedFileItems(provider, null, null, debug);
        }

        /// <summary>The item for a file saved in the folder. Pipeline thread only.</summary>
        public object Item(string path)
        {
            if (_qualifier == null)
                return new FileInfo(path);
            try
            {
                var items = _provider.Item.Get(new[] { _qualifier + path }, force: true, literalPath: true);
                if (items.Count == 1)
                {
                    if (_drive != null && items[0].Properties["PSDrive"] == null)
                        items[0].Properties.Add(new PSNoteProperty("PSDrive", _drive));
                    return items[0];
                }
            }
            catch (Exception ex) when (IsReadFailure(ex))
            {
                // Moved or locked by someone else the moment it was saved: the file was still written.
                _debug($"The provider could not read '{path}' back ({ex.Message}); writing a plain FileInfo.");
            }
            return new FileInfo(path);
        }

        private static bool IsReadFailure(Exception ex) =>
            ex is SessionStateException || ex is ProviderInvocationException || ex is IOException || ex is UnauthorizedAccessException;
    }
}
