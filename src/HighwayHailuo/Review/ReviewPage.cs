// The review page (Export-HailuoReview): one self-contained HTML file that shows a batch of tasks
// with their images and videos, filters them, and downloads the keepers as a CSV New-HailuoVideo
// binds. Everything from the user or the server goes into one JSON block that the page's own script
// reads and shows as text; System.Text.Json's default encoder writes <, > and & as \u escapes, so
// no value can end that block. The Content-Security-Policy lets only the page's own script run
// (by its hash) and fetch nothing: media come from relative file paths beside the page.
using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace HighwayHailuo.Review
{
    /// <summary>One card of the page.</summary>
    internal sealed class ReviewItem
    {
        public string TaskId { get; set; } = "";
        public string Status { get; set; } = "";
        public string? Model { get; set; }
        public string? Prompt { get; set; }
        public int? Duration { get; set; }
        public string? Resolution { get; set; }
        public decimal? EstimatedCost { get; set; }
        public string? Currency { get; set; }
        public string? Reason { get; set; }
        /// <summary>Local files (full paths); the page gets them as URLs relative to itself.</summary>
        public string? SourceImageFile { get; set; }
        public string? LastFrameFile { get; set; }
        public string? VideoFile { get; set; }
        /// <summary>The keepers CSV row: column to value, in column order.</summary>
        public IReadOnlyList<KeyValuePair<string, string>> Csv { get; set; } = Array.Empty<KeyValuePair<string, string>>();
    }

    internal static class ReviewPage
    {
        private const string DataPlaceholder = "__HAILUO_REVIEW_DATA__";
        private const string HashPlaceholder = "__HAILUO_SCRIPT_HASH__";
        private static readonly Regex s_pageScript = new Regex(@"<script>(.*?)</script>", RegexOptions.Singleline | RegexOptions.CultureInvariant);

        /// <summary>The columns of the keepers CSV: the ones New-HailuoVideo binds by property name, then two it leaves alone (so a render picks its own model).</summary>
        public static readonly string[] CsvColumns = { "Path", "LastFrame", "Prompt", "Duration", "DraftModel", "DraftTaskId" };

        private static readonly Lazy<string> s_template = new Lazy<string>(() =>
        {
            var assembly = typeof(ReviewPage).GetTypeInfo().Assembly;
            using var stream = assembly.GetManifestResourceStream("HighwayHailuo.Review.ReviewPage.html")
                ?? throw new InvalidOperationException("The review page template is not in the assembly.");
            using var reader = new StreamReader(stream, Encoding.UTF8);
            // The browser hashes the script with LF line ends: a CRLF checkout must not change the hash.
            return reader.ReadToEnd().Replace("\r\n", "\n").Replace('\r', '\n');
        });

        /// <summary>The whole page for these items, written to be opened from <paramref name="pageFolder"/>.</summary>
        public static string Render(IReadOnlyList<ReviewItem> items, string pageFolder, string title, string module, DateTimeOffset generated)
        {
            string template = s_template.Value;
            var script = s_pageScript.Match(template);
            if (!script.Success)
                throw new InvalidOperationException("The review page template has no script.");
            string hash = "sha256-" + Convert.ToBase64String(Sha256(Encoding.UTF8.GetBytes(script.Groups[1].Value)));
            string data = Data(items, pageFolder, title, module, generated);
            // The hash goes first: the data cannot hold the placeholder's text unescaped, but order keeps it simple.
            return template.Replace(HashPlaceholder, hash).Replace(DataPlaceholder, data);
        }

        private static byte[] Sha256(byte[] bytes)
        {
            using var sha = SHA256.Create();
            return sha.ComputeHash(bytes);
        }

        private static string Data(IReadOnlyList<ReviewItem> items, string pageFolder, string title, string module, DateTimeOffset generated)
        {
            using var buffer = new MemoryStream();
            // The default encoder: <, >, &, ' and + become \u escapes, so "</script>" cannot appear.
            using (var json = new Utf8JsonWriter(buffer))
            {
                json.WriteStartObject();
                json.WriteString("title", title);
                json.WriteString("generated", generated.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture));
                json.WriteString("module", module);
                json.WriteString("currencyNote", "Costs are estimates from the price table (Get-HailuoPrice), not what Highway bills.");
                json.WriteStartArray("items");
                foreach (var item in items)
                {
                    json.WriteStartObject();
                    json.WriteString("taskId", item.TaskId);
                    json.WriteString("status", item.Status);
                    WriteOrNull(json, "model", item.Model);
                    WriteOrNull(json, "prompt", item.Prompt);
                    if (item.Duration is int duration) json.WriteNumber("duration", duration); else json.WriteNull("duration");
                    WriteOrNull(json, "resolution", item.Resolution);
                    if (item.EstimatedCost is decimal cost) json.WriteNumber("estimatedCost", cost); else json.WriteNull("estimatedCost");
                    WriteOrNull(json, "currency", item.EstimatedCost == null ? null : item.Currency);
                    WriteOrNull(json, "reason", item.Reason);
                    WriteOrNull(json, "sourceImage", RelativeUrl(pageFolder, item.SourceImageFile));
                    WriteOrNull(json, "lastFrame", RelativeUrl(pageFolder, item.LastFrameFile));
                    WriteOrNull(json, "video", RelativeUrl(pageFolder, item.VideoFile));
                    json.WriteStartObject("csv");
                    foreach (var cell in item.Csv)
                        json.WriteString(cell.Key, cell.Value);
                    json.WriteEndObject();
                    json.WriteEndObject();
                }
                json.WriteEndArray();
                json.WriteEndObject();
            }
            return Encoding.UTF8.GetString(buffer.ToArray());
        }

        private static void WriteOrNull(Utf8JsonWriter json, string name, string? value)
        {
            if (value == null)
                json.WriteNull(name);
            else
                json.WriteString(name, value);
        }

        /// <summary>
        /// A local file as a URL relative to the page's folder, each segment escaped ("../photos/a%20b%23.jpg");
        /// null for no file, a remote image (the page loads nothing from the network), or a file on
        /// another drive, which no relative URL reaches.
        /// </summary>
        public static string? RelativeUrl(string pageFolder, string? file)
        {
            if (string.IsNullOrEmpty(file) || !Path.IsPathRooted(file) || Uri.TryCreate(file, UriKind.Absolute, out var uri) && !uri.IsFile)
                return null;
            var comparison = Path.DirectorySeparatorChar == '\\' ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
            string fullFolder = Path.GetFullPath(pageFolder), fullFile = Path.GetFullPath(file);
            if (!string.Equals(Path.GetPathRoot(fullFolder), Path.GetPathRoot(fullFile), comparison))
                return null;
            string[] from = Segments(fullFolder);
            string[] to = Segments(fullFile);
            int common = 0;
            while (common < from.Length && common < to.Length - 1 && string.Equals(from[common], to[common], comparison))
                common++;
            var parts = Enumerable.Repeat("..", from.Length - common).Concat(to.Skip(common).Select(Uri.EscapeDataString));
            return string.Join("/", parts);
        }

        private static string[] Segments(string fullPath) =>
            fullPath.Split(new[] { Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar }, StringSplitOptions.RemoveEmptyEntries);
    }
}
