// Chooses file names for saved videos: named after the source image (or a text-only task's
// prompt), unique within one call, and made safe, because the extension and the task id come
// from the server.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Text;
using System.Text.RegularExpressions;

namespace HighwayHailuo.Saving
{
    internal sealed class VideoFileNamer
    {
        private const int MaxStemLength = 120;
        private static readonly char[] s_unsafe = "<>:\"/\\|?*".ToCharArray();

        private readonly string _folder;
        private readonly HashSet<string> _taken = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

        public VideoFileNamer(string folder)
        {
            _folder = folder;
        }

        /// <summary>
        /// The path for a task's video. The first task in arrival order keeps the plain name; a later
        /// task that would collide gets "-" and the first 8 characters of its task id.
        /// </summary>
        public string Reserve(HailuoTask task)
        {
            string stem = Stem(task);
            string extension = SafeExtension(task.VideoType);
            string candidate = stem + "." + extension;
            if (_taken.Contains(candidate))
            {
                string suffix = SafeSegment(task.TaskId) ?? "task";
                suffix = suffix.Length > 8 ? suffix.Substring(0, 8) : suffix;
                candidate = stem + "-" + suffix + "." + extension;
                for (int n = 2; _taken.Contains(candidate); n++)
                    candidate = stem + "-" + suffix + "-" + n.ToString(CultureInfo.InvariantCulture) + "." + extension;
            }
            _taken.Add(candidate);
            string path = Path.Combine(_folder, candidate);
            // Defence in depth: whatever the inputs, the file lands directly inside the folder.
            if (!string.Equals(Path.GetDirectoryName(Path.GetFullPath(path)), Path.GetFullPath(_folder).TrimEnd(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar), StringComparison.Ordinal))
                throw new InvalidOperationException($"Refusing to write outside '{_folder}'.");
            return path;
        }

        /// <summary>The extension from video_type: lowercase letters and digits, at most 5, else mp4.</summary>
        public static string SafeExtension(string? videoType)
        {
            if (string.IsNullOrEmpty(videoType))
                return "mp4";
            string lower = videoType!.Trim().TrimStart('.').ToLowerInvariant();
            return lower.Length >= 1 && lower.Length <= 5 && lower.All(c => (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) ? lower : "mp4";
        }

        private static string Stem(HailuoTask task)
        {
            string? fromImage = null;
            if (!string.IsNullOrEmpty(task.SourceImage))
            {
                string source = task.SourceImage!;
                if (Uri.TryCreate(source, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps))
                    source = Uri.UnescapeDataString(uri.AbsolutePath);
                int slash = Math.Max(source.LastIndexOf('/'), source.LastIndexOf('\\'));
                string name = slash >= 0 ? source.Substring(slash + 1) : source;
                int dot = name.LastIndexOf('.');
                fromImage = SafeSegment(dot > 0 ? name.Substring(0, dot) : name);
            }
            return fromImage ?? FromPrompt(task) ?? SafeSegment(task.TaskId) ?? "video";
        }

        private const int MaxPromptStem = 40;

        // A text-only task is named after the start of its prompt (camera commands left out), cut at a word.
        private static string? FromPrompt(HailuoTask task)
        {
            if (task.SourceImage != null || task.Model == null || string.IsNullOrWhiteSpace(task.Prompt))
                return null;
            string words = string.Join(" ", Regex.Replace(task.Prompt, @"\[[^\]]*\]", " ")
                .Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
            if (words.Length > MaxPromptStem)
            {
                int cut = words.LastIndexOf(' ', MaxPromptStem);
                words = words.Substring(0, cut > 0 ? cut : MaxPromptStem);
            }
            return SafeSegment(words);
        }

        /// <summary>A name segment with path separators, reserved characters and leading dots removed; null if nothing is left.</summary>
        internal static string? SafeSegment(string? text)
        {
            if (string.IsNullOrEmpty(text))
                return null;
            var builder = new StringBuilder(text!.Length);
            foreach (char c in text)
                builder.Append(char.IsControl(c) || Array.IndexOf(s_unsafe, c) >= 0 ? '_' : c);
            string safe = builder.ToString().Trim().TrimStart('.').TrimEnd('.', ' ');
            if (safe.Length > MaxStemLength)
                safe = safe.Substring(0, MaxStemLength);
            return safe.Length == 0 || safe.All(c => c == '_') ? null : safe;
        }
    }
}
