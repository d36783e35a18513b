// Task ids come from users and servers alike: check them before they go into a URL or a file name,
// and show a bad one only escaped and cut short (it may hold a line break or 40,000 characters).
using System.Linq;
using System.Management.Automation;
using HighwayHailuo.Errors;

namespace HighwayHailuo.Api
{
    internal static class TaskIds
    {
        public const int MaxLength = 256;

        public static string? Check(string? taskId, out HailuoException? error)
        {
            error = null;
            string id = taskId?.Trim() ?? "";
            // The API documents task ids only as strings; ids seen are letters, digits and dashes.
            // Path separators, query characters and the like are refused, so a mistyped or hostile
            // id never reaches a URL or a file name. Dots alone ("..") are refused too.
            if (id.Length == 0 || id.Length > MaxLength || !id.All(IsIdCharacter) || id.All(c => c == '.'))
            {
                error = new HailuoException(ErrorIds.InvalidTaskId,
                    id.Length == 0
                        ? "A task id is empty."
                        : DescribeUnusable(taskId!) + ".");
                return null;
            }
            return id;
        }

        /// <summary>Why an id is unusable, with the id shown safely (escaped and cut short).</summary>
        public static string DescribeUnusable(string taskId) =>
            string.Format(System.Globalization.CultureInfo.InvariantCulture, "'{0}' ({1:N0} character{2}) is not a task id: ids are 1 to {3} letters, digits, '-', '_', '.' or ':'",
                ServerText.Clean(taskId, 64), taskId.Length, taskId.Length == 1 ? "" : "s", MaxLength);

        private static bool IsIdCharacter(char c) =>
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
    }
}
