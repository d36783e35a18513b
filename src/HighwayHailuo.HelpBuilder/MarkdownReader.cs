// Reads the PlatyPS 1.x markdown schema (what New-MarkdownCommandHelp writes): YAML front matter,
// "## SECTION" headings, "### " items, fenced code blocks and a ```yaml block per parameter.
// Only that schema: it is the format of this repository's docs, not general markdown.
using System.Text.RegularExpressions;

namespace HighwayHailuo.HelpBuilder;

internal static class MarkdownReader
{
    public static CommandPage ReadCommand(string markdown, string source)
    {
        var lines = StripFrontMatter(markdown.Replace("\r\n", "\n").Split('\n'), out var front);
        var page = new CommandPage { Name = front.TryGetValue("title", out var title) ? title : "" };
        foreach (var (heading, body) in Sections(lines, "## "))
        {
            switch (heading)
            {
                case "SYNOPSIS": page.Synopsis = string.Join(" ", Paragraphs(body)); break;
                case "SYNTAX":
                    foreach (var (set, _) in Sections(body, "### "))
                        page.ParameterSets.Add(set.Replace("(Default)", "").Trim());
                    break;
                case "DESCRIPTION": page.Description.AddRange(Paragraphs(body)); break;
                case "EXAMPLES":
                    foreach (var (exampleTitle, exampleBody) in Sections(body, "### "))
                        page.Examples.Add(ReadExample(exampleTitle, exampleBody));
                    break;
                case "PARAMETERS":
                    foreach (var (name, parameterBody) in Sections(body, "### "))
                        if (name.StartsWith("-", StringComparison.Ordinal))
                            page.Parameters.Add(ReadParameter(name.Substring(1), parameterBody, source));
                    break;
                case "INPUTS":
                    foreach (var (type, typeBody) in Sections(body, "### "))
                        page.Inputs.Add(new CommandPage.TypeNote(type, Paragraphs(typeBody)));
                    break;
                case "OUTPUTS":
                    foreach (var (type, typeBody) in Sections(body, "### "))
                        page.Outputs.Add(new CommandPage.TypeNote(type, Paragraphs(typeBody)));
                    break;
                case "NOTES": page.Notes.AddRange(Paragraphs(body)); break;
                case "RELATED LINKS":
                    foreach (Match link in Regex.Matches(string.Join("\n", body), @"\[([^\]]+)\]\(([^)]*)\)"))
                        page.Links.Add((link.Groups[1].Value, link.Groups[2].Value));
                    break;
            }
        }
        if (page.Name.Length == 0 || page.Synopsis.Length == 0)
            throw new FormatException($"{source}: a cmdlet page needs a title in its front matter and a SYNOPSIS.");
        return page;
    }

    /// <summary>An about_ page as the text Get-Help shows: headings in capitals, code indented, links as their text.</summary>
    public static string ReadAboutAsText(string markdown)
    {
        var lines = StripFrontMatter(markdown.Replace("\r\n", "\n").Split('\n'), out _);
        var text = new List<string>();
        bool inCode = false;
        foreach (var raw in lines)
        {
            if (raw.StartsWith("```", StringComparison.Ordinal)) { inCode = !inCode; continue; }
            if (inCode) { text.Add("    " + raw); continue; }
            var line = Regex.Replace(raw, @"\[([^\]]+)\]\([^)]*\)", "$1").Replace("**", "").Replace("`", "");
            var heading = Regex.Match(line, "^(#+) (.*)$");
            if (heading.Success)
                text.Add(heading.Groups[1].Length <= 2 ? heading.Groups[2].Value.ToUpperInvariant() : heading.Groups[2].Value);
            else
                text.Add(line.Length == 0 ? "" : "    " + line);
        }
        return string.Join(Environment.NewLine, text).Trim() + Environment.NewLine;
    }

    private static CommandPage.Example ReadExample(string title, List<string> body)
    {
        var code = new List<string>();
        var rest = new List<string>();
        bool inCode = false, seenCode = false;
        foreach (var line in body)
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                inCode = !inCode;
                if (!inCode) seenCode = true;
                continue;
            }
            if (inCode && !seenCode) code.Add(line);
            else rest.Add(line);
        }
        return new CommandPage.Example(title, string.Join("\n", code), Paragraphs(rest));
    }

    private static CommandPage.Parameter ReadParameter(string name, List<string> body, string source)
    {
        var parameter = new CommandPage.Parameter { Name = name };
        int yamlStart = body.FindIndex(l => l.Trim() == "```yaml");
        if (yamlStart < 0)
            throw new FormatException($"{source}: parameter -{name} has no ```yaml block.");
        parameter.Description.AddRange(Paragraphs(body.Take(yamlStart).ToList()));
        var yaml = body.Skip(yamlStart + 1).TakeWhile(l => !l.StartsWith("```", StringComparison.Ordinal)).ToList();
        Dictionary<string, string>? set = null;
        foreach (var line in yaml)
        {
            var item = Regex.Match(line, @"^- Name: (.*)$");
            var field = Regex.Match(line, @"^\s*([A-Za-z]+): ?(.*)$");
            if (item.Success)
            {
                set = new Dictionary<string, string> { ["Name"] = item.Groups[1].Value.Trim() };
                AddSet(parameter, set);
                continue;
            }
            if (!field.Success)
                continue;
            string key = field.Groups[1].Value, value = Unquote(field.Groups[2].Value.Trim());
            if (line.StartsWith("  ", StringComparison.Ordinal) && set != null)
            {
                set[key] = value;
                parameter.Sets[^1] = ToSetUse(set);
                continue;
            }
            set = null;
            switch (key)
            {
                case "Type": parameter.Type = value; break;
                case "DefaultValue": parameter.DefaultValue = value; break;
                case "SupportsWildcards": parameter.SupportsWildcards = value == "true"; break;
                case "Aliases":
                    parameter.Aliases.AddRange(value.Trim('[', ']').Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
                    break;
            }
        }
        if (parameter.Description.Count == 0)
            throw new FormatException($"{source}: parameter -{name} has no description.");
        return parameter;
    }

    private static void AddSet(CommandPage.Parameter parameter, Dictionary<string, string> set) => parameter.Sets.Add(ToSetUse(set));

    private static CommandPage.SetUse ToSetUse(Dictionary<string, string> set) => new(
        set["Name"],
        set.TryGetValue("Position", out var p) ? p : "Named",
        set.TryGetValue("IsRequired", out var r) && r == "true",
        set.TryGetValue("ValueFromPipeline", out var v) && v == "true",
        set.TryGetValue("ValueFromPipelineByPropertyName", out var b) && b == "true");

    private static string Unquote(string value) => value.Length >= 2 && value[0] == '\'' && value[^1] == '\'' ? value[1..^1] : value;

    private static List<string> StripFrontMatter(string[] lines, out Dictionary<string, string> front)
    {
        front = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (lines.Length == 0 || lines[0].Trim() != "---")
            return lines.ToList();
        int end = Array.FindIndex(lines, 1, l => l.Trim() == "---");
        if (end < 0)
            return lines.ToList();
        foreach (var line in lines.Skip(1).Take(end - 1))
        {
            int colon = line.IndexOf(':');
            if (colon > 0)
                front[line[..colon].Trim()] = Unquote(line[(colon + 1)..].Trim());
        }
        return lines.Skip(end + 1).ToList();
    }

    /// <summary>Splits lines into (heading, body) sections at lines starting with the prefix.</summary>
    private static List<(string Heading, List<string> Body)> Sections(IEnumerable<string> lines, string prefix)
    {
        var sections = new List<(string, List<string>)>();
        bool inCode = false;
        foreach (var line in lines)
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
                inCode = !inCode;
            if (!inCode && line.StartsWith(prefix, StringComparison.Ordinal))
                sections.Add((line[prefix.Length..].Trim(), new List<string>()));
            else if (sections.Count > 0)
                sections[^1].Item2.Add(line);
        }
        return sections;
    }

    /// <summary>Paragraphs of running text (lines joined, code fences kept as their own paragraph).</summary>
    private static List<string> Paragraphs(List<string> lines)
    {
        var paragraphs = new List<string>();
        var current = new List<string>();
        bool inCode = false;
        void Flush()
        {
            if (current.Count > 0)
                paragraphs.Add(inCode ? string.Join("\n", current) : string.Join(" ", current.Select(l => l.Trim())));
            current.Clear();
        }
        foreach (var line in lines)
        {
            if (line.StartsWith("```", StringComparison.Ordinal))
            {
                Flush();
                inCode = !inCode;
                continue;
            }
            if (!inCode && line.Trim().Length == 0) { Flush(); continue; }
            current.Add(line);
        }
        Flush();
        return paragraphs;
    }
}
