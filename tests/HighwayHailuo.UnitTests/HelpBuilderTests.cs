// The help build step: PlatyPS markdown in, MAML and about_ text out.
using System.Xml.Linq;
using HighwayHailuo.HelpBuilder;
using Xunit;

namespace HighwayHailuo.UnitTests;

public sealed class HelpBuilderTests
{
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    private const string Page = """
        ---
        document type: cmdlet
        title: Get-Thing
        ---

        # Get-Thing

        ## SYNOPSIS

        Gets a thing.

        ## SYNTAX

        ### ById (Default)

        ```
        Get-Thing [-Id] <string[]> [<CommonParameters>]
        ```

        ## DESCRIPTION

        First paragraph
        over two lines.

        Second paragraph.

        ## EXAMPLES

        ### Example 1: One thing

        ```powershell
        Get-Thing -Id a
        ```

        Gets thing a.

        ## PARAMETERS

        ### -Id

        The ids of the things.

        ```yaml
        Type: System.String[]
        DefaultValue: ''
        SupportsWildcards: false
        Aliases: [Name]
        ParameterSets:
        - Name: ById
          Position: 0
          IsRequired: true
          ValueFromPipeline: true
          ValueFromPipelineByPropertyName: false
          ValueFromRemainingArguments: false
        DontShow: false
        ```

        ### -Quick

        Goes fast.

        ```yaml
        Type: System.Management.Automation.SwitchParameter
        DefaultValue: False
        ParameterSets:
        - Name: (All)
          Position: Named
          IsRequired: false
        ```

        ### CommonParameters

        The usual.

        ## OUTPUTS

        ### Thing

        A thing.

        ## RELATED LINKS

        - [Online](https://example.com/get-thing)
        """;

    [Fact]
    public void ACommandPageBecomesMamlWithEveryPart()
    {
        var page = MarkdownReader.ReadCommand(Page, "Get-Thing.md");
        var command = MamlWriter.Write(new[] { page }).Root!.Element(Command + "command")!;

        Assert.Equal("Get-Thing", command.Element(Command + "details")!.Element(Command + "name")!.Value);
        Assert.Equal("Get", command.Element(Command + "details")!.Element(Command + "verb")!.Value);
        Assert.Equal("Gets a thing.", command.Element(Command + "details")!.Element(Maml + "description")!.Value);
        Assert.Equal(new[] { "First paragraph over two lines.", "Second paragraph." },
            command.Element(Maml + "description")!.Elements(Maml + "para").Select(p => p.Value));

        var id = command.Element(Command + "parameters")!.Elements(Command + "parameter").First();
        Assert.Equal("Id", id.Element(Maml + "name")!.Value);
        Assert.Equal("true", id.Attribute("required")!.Value);
        Assert.Equal("0", id.Attribute("position")!.Value);
        Assert.Equal("True (ByValue)", id.Attribute("pipelineInput")!.Value);
        Assert.Equal("Name", id.Attribute("aliases")!.Value);
        Assert.Equal("System.String[]", id.Element(Dev + "type")!.Element(Maml + "name")!.Value);
        var quick = command.Element(Command + "parameters")!.Elements(Command + "parameter").Last();
        Assert.Null(quick.Element(Command + "parameterValue")); // a switch takes no value

        // The syntax of the one set holds its own parameter and the all-sets switch.
        var syntax = Assert.Single(command.Element(Command + "syntax")!.Elements(Command + "syntaxItem"));
        Assert.Equal(new[] { "Id", "Quick" }, syntax.Elements(Command + "parameter").Select(p => p.Element(Maml + "name")!.Value));

        var example = Assert.Single(command.Element(Command + "examples")!.Elements(Command + "example"));
        Assert.Contains("Example 1: One thing", example.Element(Maml + "title")!.Value);
        Assert.Equal("Get-Thing -Id a", example.Element(Dev + "code")!.Value);
        Assert.Equal("Gets thing a.", example.Element(Dev + "remarks")!.Value);
        Assert.Equal("https://example.com/get-thing", command.Descendants(Maml + "uri").Last().Value);
    }

    [Fact]
    public void AParameterWithoutItsYamlBlockOrDescriptionIsAnError()
    {
        string noYaml = Page.Replace("```yaml\nType: System.String[]", "```text\nType: System.String[]");
        string noDescription = Page.Replace("The ids of the things.", "");

        Assert.Throws<FormatException>(() => MarkdownReader.ReadCommand(noYaml, "x.md"));
        Assert.Throws<FormatException>(() => MarkdownReader.ReadCommand(noDescription, "x.md"));
        Assert.Throws<FormatException>(() => MarkdownReader.ReadCommand("# no front matter\n", "x.md"));
    }

    [Fact]
    public void AnAboutPageBecomesPlainText()
    {
        string text = MarkdownReader.ReadAboutAsText("---\ntitle: about_X\n---\n\n# about_X\n\n## Short description\n\nSee [the guide](g.md) and `code`.\n\n```powershell\nGet-Thing\n```\n");

        Assert.StartsWith("ABOUT_X", text);
        Assert.Contains("SHORT DESCRIPTION", text);
        Assert.Contains("    See the guide and code.", text);
        Assert.Contains("    Get-Thing", text);
        Assert.DoesNotContain("```", text);
    }

    [Fact]
    public void TheRepositorysDocsBuild()
    {
        string docs = Path.Combine(FindRepoRoot(), "docs", "en-US");
        string output = Directory.CreateTempSubdirectory("help-").FullName;

        var written = HelpFiles.Build(docs, output, "HighwayHailuo.dll-Help.xml");

        Assert.Contains(written, p => p.EndsWith("about_HighwayHailuo.help.txt", StringComparison.Ordinal));
        var maml = XDocument.Load(Path.Combine(output, "HighwayHailuo.dll-Help.xml"));
        Assert.Equal(9, maml.Root!.Elements(Command + "command").Count());
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir != null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "HighwayHailuo.sln")))
                return dir.FullName;
        throw new InvalidOperationException("no HighwayHailuo.sln above " + AppContext.BaseDirectory);
    }
}
