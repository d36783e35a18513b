// How a text-only submission is named wherever it has no image to be named by: its prompt,
// quoted, cut short with an ellipsis.
namespace HighwayHailuo.Api
{
    internal static class PromptPreview
    {
        public static string Quoted(string prompt, int maxLength = 60) => "\"" + Cut(prompt, maxLength) + "\"";

        /// <summary>The text, or its start and an ellipsis when it is longer than <paramref name="maxLength"/>.</summary>
        public static string Cut(string text, int maxLength) =>
            text.Length > maxLength ? text.Substring(0, maxLength - 1) + "…" : text;
    }
}
