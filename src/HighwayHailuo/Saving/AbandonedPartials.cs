// What killed saves left in a destination folder: "<video>.xxxxxxxx.partial" files. The folder is
// listed once per call, not once per video, so a batch into a folder of thousands of files costs
// the same per video; a partial is deleted only when its video's save lock is held, when no live
// process can be writing it. One left by a save killed after the listing waits for the next call.
using System;
using System.Collections.Generic;
using System.IO;

namespace HighwayHailuo.Saving
{
    internal sealed class AbandonedPartials
    {
        private const string Suffix = ".partial";
        // By the video's file name, ignoring case: the save lock does too, so holding a.mp4's lock
        // also holds A.mp4's.
        private readonly Dictionary<string, List<string>> _byVideo = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);

        private AbandonedPartials()
        {
        }

        /// <summary>Lists the partial files in <paramref name="folder"/>; an unreadable folder lists none.</summary>
        public static AbandonedPartials In(string folder)
        {
            var found = new AbandonedPartials();
            try
            {
                foreach (var file in Directory.EnumerateFiles(folder, "*" + Suffix))
                {
                    string name = Path.GetFileName(file);
                    // <video>.<8 hex digits>.partial
                    int stamp = name.Length - Suffix.Length - 9;
                    if (stamp <= 0 || name[stamp] != '.' || !IsHex(name, stamp + 1, 8))
                        continue;
                    string video = name.Substring(0, stamp);
                    if (!found._byVideo.TryGetValue(video, out var list))
                        found._byVideo[video] = list = new List<string>();
                    list.Add(file);
                }
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Left for the next save; a partial never carries the final name.
            }
            return found;
        }

        /// <summary>Deletes the listed partials of the video at <paramref name="finalPath"/>. Call only while holding its save lock.</summary>
        public void RemoveFor(string finalPath)
        {
            List<string>? files;
            lock (_byVideo)
            {
                string video = Path.GetFileName(finalPath);
                if (!_byVideo.TryGetValue(video, out files))
                    return;
                _byVideo.Remove(video);
            }
            foreach (var file in files)
                VideoDownloader.TryDelete(file);
        }

        private static bool IsHex(string text, int start, int count)
        {
            for (int i = start; i < start + count; i++)
                if (!Uri.IsHexDigit(text[i]))
                    return false;
            return true;
        }
    }
}
