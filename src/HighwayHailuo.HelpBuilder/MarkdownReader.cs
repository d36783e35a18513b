// Reads the PlatyPS 1.x markdown schema (what New-MarkdownCommandHelp writes): YAML front matter,
// "## SECTION" headings, "### " items, fenced code blocks and a ```yaml block per parameter.
// Markdig finds the blocks (headings, paragraphs, lists, fences) and YamlDotNet reads the YAML, so
// any YAML PlatyPS may write (an inline [a, b] list or a block "- a" list, quoted or not) means
// what YAML says it means. Running text keeps its markdown source, as PlatyPS's own MAML does.
using Markdig;
using Markdig.Extensions.Yaml;
using Markdig.Syntax;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Serialization;

namespace HighwayHailuo.HelpBuilder;

internal static class MarkdownReader
{
    private static readonly MarkdownPipeline s_pipeline = new MarkdownPipelineBuilder().UseYamlFrontMatter().Build();
    private static readonly IDeserializer s_yaml = new DeserializerBuilder().IgnoreUnmatchedProperties().Build();

    public static CommandPage ReadCommand(string markdown, string source)
    {
        markdown = markdown.Replace("\r\n", "\n");
        var document = Markdown.Parse(markdown, s_pipeline);
        var front = FrontMatter(document, markdown, source);
        var page = new CommandPage { Name = front.TryGetValue("title", out var title) ? title : "" };
        foreach (var section in Sections(document, markdown, level: 2))
        {
            switch (section.Heading)
            {
                case "SYNOPSIS": page.Synopsis = string.Join(" ", Paragraphs(section.Blocks, markdown)); break;
                case "SYNTAX":
                    foreach (var set in Sections(section.Blocks, markdown, level: 3))
                        page.ParameterSets.Add(set.Heading.Replace("(Default)", "").Trim());
                    break;
                case "DESCRIPTION": page.Description.AddRange(Paragraphs(section.Blocks, markdown)); break;
                case "EXAMPLES":
                    foreach (var example in Sections(section.Blocks, markdown, level: 3))
                        page.Examples.Add(ReadExample(example, markdown));
                    break;
                case "PARAMETERS":
                    foreach (var parameter in Sections(section.Blocks, markdown, level: 3))
                        if (parameter.Heading.StartsWith("-", StringComparison.Ordinal))
                            page.Parameters.Add(ReadParameter(parameter, markdown, source));
                    break;
                case "INPUTS":
                    foreach (var type in Sections(section.Blocks, markdown, level: 3))
                        page.Inputs.Add(new CommandPage.TypeNote(type.Heading, Paragraphs(type.Blocks, markdown)));
                    break;
                case "OUTPUTS":
                    foreach (var type in Sections(section.Blocks, markdown, level: 3))
                        page.Outputs.Add(new CommandPage.TypeNote(type.Heading, Paragraphs(type.Blocks, markdown)));
                    break;
                case "NOTES": page.Notes.AddRange(Paragraphs(section.Blocks, markdown)); break;
                case "RELATED LINKS":
                    foreach (var link in section.Blocks.SelectMany(b => b.Descendants<Markdig.Syntax.Inlines.LinkInline>()))
                        page.Links.Add((LinkText(link, markdown), link.Url ?? ""));
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
        markdown = markdown.Replace("\r\n", "\n");
        var document = Markdown.Parse(markdown, s_pipeline);
        var text = new List<string>();
        foreach (var block in document)
        {
            switch (block)
            {
                case YamlFrontMatterBlock:
                    continue;
                case FencedCodeBlock code:
                    text.AddRange(code.Lines.Lines.Take(code.Lines.Count).Select(l => "    " + l.ToString()));
                    break;
                case HeadingBlock heading:
                    string title = Plain(HeadingText(heading, markdown));
                    text.Add(heading.Level <= 2 ? title.ToUpperInvariant() : title);
                    break;
                default:
                    text.AddRange(SourceLines(block, markdown).Select(l => l.Length == 0 ? "" : "    " + Plain(l)));
                    break;
            }
            text.Add("");
        }
        return string.Join(Environment.NewLine, text).Trim() + Environment.NewLine;
    }

    // Links as their text, no emphasis or code marks: the about_ text is read in a console.
    private static string Plain(string line) =>
        Regex.Replace(line, @"\[([^\]]+)\]\([^)]*\)", "$1").Replace("**", "").Replace("`", "");

    private static CommandPage.Example ReadExample(Section example, string markdown)
    {
        var code = example.Blocks.OfType<FencedCodeBlock>().FirstOrDefault();
        var remarks = Paragraphs(example.Blocks.Where(b => b != code).ToList(), markdown);
        return new CommandPage.Example(example.Heading, code == null ? "" : CodeText(code), remarks);
    }

    private static CommandPage.Parameter ReadParameter(Section section, string markdown, string source)
    {
        string name = section.Heading.Substring(1);
        var parameter = new CommandPage.Parameter { Name = name };
        var yamlBlock = section.Blocks.OfType<FencedCodeBlock>().FirstOrDefault(b => b.Info == "yaml")
            ?? throw new FormatException($"{source}: parameter -{name} has no ```yaml block.");
        parameter.Description.AddRange(Paragraphs(section.Blocks.TakeWhile(b => b != yamlBlock).ToList(), markdown));
        if (parameter.Description.Count == 0)
            throw new FormatException($"{source}: parameter -{name} has no description.");

        ParameterYaml yaml;
        try
        {
            yaml = s_yaml.Deserialize<ParameterYaml?>(CodeText(yamlBlock)) ?? new ParameterYaml();
        }
        catch (YamlException ex)
        {
            throw new FormatException($"{source}: parameter -{name} has YAML that does not read: {ex.Message}", ex);
        }
        parameter.Type = string.IsNullOrEmpty(yaml.Type) ? parameter.Type : yaml.Type!;
        parameter.DefaultValue = yaml.DefaultValue ?? "";
        parameter.SupportsWildcards = yaml.SupportsWildcards;
        parameter.Aliases.AddRange((yaml.Aliases ?? new List<string>()).Where(a => !string.IsNullOrWhiteSpace(a)).Select(a => a.Trim()));
        foreach (var set in yaml.ParameterSets ?? new List<SetYaml>())
        {
            if (string.IsNullOrEmpty(set.Name))
                throw new FormatException($"{source}: parameter -{name} has a parameter set without a Name.");
            parameter.Sets.Add(new CommandPage.SetUse(set.Name!, string.IsNullOrEmpty(set.Position) ? "Named" : set.Position!,
                set.IsRequired, set.ValueFromPipeline, set.ValueFromPipelineByPropertyName));
        }
        return parameter;
    }

    private static Dictionary<string, string> FrontMatter(MarkdownDocument document, string markdown, string source)
    {
        var block = document.OfType<YamlFrontMatterBlock>().FirstOrDefault();
        if (block == null)
            return new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        try
        {
            var values = s_yaml.Deserialize<Dictionary<string, object?>?>(CodeText(block)) ?? new Dictionary<string, object?>();
            return values.ToDictionary(v => v.Key, v => v.Value?.ToString() ?? "", StringComparer.OrdinalIgnoreCase);
        }
        catch (YamlException ex)
        {
            throw new FormatException($"{source}: the front matter does not read as YAML: {ex.Message}", ex);
        }
    }

    private sealed record Section(string Heading, List<Block> Blocks);

    /// <summary>Splits blocks into sections at headings of the level; a deeper heading stays inside its section.</summary>
    private static List<Section> Sections(IEnumerable<Block> blocks, string markdown, int level)
    {
        var sections = new List<Section>();
        foreach (var block in blocks)
        {
            if (block is HeadingBlock heading && heading.Level == level)
                sections.Add(new Section(HeadingText(heading, markdown), new List<Block>()));
            else if (sections.Count > 0)
                sections[^1].Blocks.Add(block);
        }
        return sections;
    }

    // The heading as written (after the #s), so "-Path", "(All)" and type names stay as they are.
    private static string HeadingText(HeadingBlock heading, string markdown) =>
        markdown.Substring(heading.Span.Start, heading.Span.Length).TrimStart('#').Trim();

    private static string LinkText(Markdig.Syntax.Inlines.LinkInline link, string markdown)
    {
        var first = link.FirstChild;
        var last = link.LastChild;
        if (first == null || last == null)
            return link.Url ?? "";
        return markdown.Substring(first.Span.Start, last.Span.End - first.Span.Start + 1);
    }

    // A fence's content (the front matter's without its --- lines).
    private static string CodeText(LeafBlock block) =>
        string.Join("\n", block.Lines.Lines.Take(block.Lines.Count).Select(l => l.ToString()).Where(l => !(block is YamlFrontMatterBlock && l.Trim() == "---")));

    private static IEnumerable<string> SourceLines(Block block, string markdown) =>
        markdown.Substring(block.Span.Start, block.Span.Length).Split('\n');

    /// <summary>Paragraphs of running text: a paragraph's (or a list's) lines joined, a code block as its own paragraph.</summary>
    private static List<string> Paragraphs(IEnumerable<Block> blocks, string markdown)
    {
        var paragraphs = new List<string>();
        foreach (var block in blocks)
        {
            if (block is FencedCodeBlock code)
            {
                paragraphs.Add(CodeText(code));
                continue;
            }
            var current = new List<string>();
            foreach (var line in SourceLines(block, markdown))
            {
                if (line.Trim().Length == 0)
                {
                    if (current.Count > 0)
                        paragraphs.Add(string.Join(" ", current));
                    current.Clear();
                    continue;
                }
                current.Add(line.Trim());
            }
            if (current.Count > 0)
                paragraphs.Add(string.Join(" ", current));
        }
        return paragraphs;
    }

    // The parameter's ```yaml block, as PlatyPS 1.x writes it.
    private sealed class ParameterYaml
    {
        public string? Type { get; set; }
        public string? DefaultValue { get; set; }
        public bool SupportsWildcards { get; set; }
        public List<string>? Aliases { get; set; }
        public List<SetYaml>? ParameterSets { get; set; }
    }

    private sealed class SetYaml
    {
        public string? Name { get; set; }
        public string? Position { get; set; }
        public bool IsRequired { get; set; }
        public bool ValueFromPipeline { get; set; }
        public bool ValueFromPipelineByPropertyName { get; set; }
    }
}
