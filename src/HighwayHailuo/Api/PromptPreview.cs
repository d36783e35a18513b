// How a text-only submission is named wherever it has no image to be named by: its prompt,
// quoted, cut short with an ellipsis.
namespace HighwayHailuo.Api
{
    internal static class PromptPreview
    {
        public static string Quoted(string prompt, int maxLength = 60) =>
            "\"" + (prompt.Length > maxLength ? prompt.Substring(0, maxLength - 1) + "…" : prompt) + "\"";
    }
}
