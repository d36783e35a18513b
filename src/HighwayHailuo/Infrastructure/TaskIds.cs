// Task ids come from users and servers alike: check them before they go into a URL or a file name.
using System.Linq;
using System.Management.Automation;

namespace HighwayHailuo.Infrastructure
{
    internal static class TaskIds
    {
        public const int MaxLength = 256;

        public static string? Check(string? taskId, out InputValidationException? error)
        {
            error = null;
            string id = taskId?.Trim() ?? "";
            if (id.Length == 0 || id.Length > MaxLength || id.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
            {
                error = new InputValidationException(ErrorIds.InvalidTaskId, ErrorCategory.InvalidArgument,
                    id.Length == 0
                        ? "A task id is empty."
                        : $"'{taskId}' is not a task id: task ids are 1 to {MaxLength} characters without spaces or control characters.");
                return null;
            }
            return id;
        }
    }
}
