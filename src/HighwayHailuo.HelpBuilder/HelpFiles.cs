// Reads every page of a docs folder and writes the help files the module ships.
using System.Text;

namespace HighwayHailuo.HelpBuilder;

internal static class HelpFiles
{
    public static List<string> Build(string docsFolder, string outFolder, string mamlName)
    {
        Directory.CreateDirectory(outFolder);
        var written = new List<string>();
        var commands = new List<CommandPage>();
        foreach (var path in Directory.GetFiles(docsFolder, "*.md").OrderBy(p => p, StringComparer.Ordinal))
        {
            string name = Path.GetFileNameWithoutExtension(path);
            string text = File.ReadAllText(path);
            if (name.StartsWith("about_", StringComparison.OrdinalIgnoreCase))
                written.Add(WriteIfChanged(Path.Combine(outFolder, name + ".help.txt"), MarkdownReader.ReadAboutAsText(text)));
            else
                commands.Add(MarkdownReader.ReadCommand(text, path));
        }
        var maml = new StringBuilder();
        using (var writer = new Utf8StringWriter(maml))
            MamlWriter.Write(commands).Save(writer);
        written.Add(WriteIfChanged(Path.Combine(outFolder, mamlName), maml.ToString()));
        return written;
    }

    // Unchanged files keep their time stamp, so incremental builds stay incremental.
    private static string WriteIfChanged(string path, string content)
    {
        if (!File.Exists(path) || File.ReadAllText(path) != content)
            File.WriteAllText(path, content, new UTF8Encoding(false));
        return path;
    }

    private sealed class Utf8StringWriter(StringBuilder builder) : StringWriter(builder)
    {
        public override Encoding Encoding => Encoding.UTF8;
    }
}
