// Task ids come from users and servers alike: check them before they go into a URL or a file name.
using System.Linq;
using System.Management.Automation;
using HighwayHailuo.Errors;

namespace HighwayHailuo.Hosting
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
                        : $"'{taskId}' is not a task id: task ids are 1 to {MaxLength} letters, digits, '-', '_', '.' or ':'.");
                return null;
            }
            return id;
        }

        private static bool IsIdCharacter(char c) =>
            (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
    }
}
