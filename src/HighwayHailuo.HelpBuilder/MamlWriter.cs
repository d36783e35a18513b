// Writes command pages as MAML, the XML help format Get-Help reads for binary cmdlets, with the
// same elements PlatyPS writes: details, description, syntax per parameter set, parameters,
// inputs, outputs, notes, examples and related links.
using System.Xml.Linq;

namespace HighwayHailuo.HelpBuilder;

internal static class MamlWriter
{
    private static readonly XNamespace Msh = "http://msh";
    private static readonly XNamespace Maml = "http://schemas.microsoft.com/maml/2004/10";
    private static readonly XNamespace Command = "http://schemas.microsoft.com/maml/dev/command/2004/10";
    private static readonly XNamespace Dev = "http://schemas.microsoft.com/maml/dev/2004/10";

    public static XDocument Write(IEnumerable<CommandPage> pages) => new(
        new XDeclaration("1.0", "utf-8", null),
        new XElement(Msh + "helpItems",
            new XAttribute("schema", "maml"),
            new XAttribute(XNamespace.Xmlns + "maml", Maml),
            new XAttribute(XNamespace.Xmlns + "command", Command),
            new XAttribute(XNamespace.Xmlns + "dev", Dev),
            pages.Select(CommandElement)));

    private static XElement CommandElement(CommandPage page)
    {
        int dash = page.Name.IndexOf('-');
        return new XElement(Command + "command",
            new XElement(Command + "details",
                new XElement(Command + "name", page.Name),
                new XElement(Command + "verb", dash > 0 ? page.Name[..dash] : page.Name),
                new XElement(Command + "noun", dash > 0 ? page.Name[(dash + 1)..] : ""),
                Description(new[] { page.Synopsis })),
            Description(page.Description),
            new XElement(Command + "syntax", SyntaxItems(page)),
            new XElement(Command + "parameters", page.Parameters.Select(p => ParameterElement(p, p.Sets.FirstOrDefault()))),
            new XElement(Command + "inputTypes", page.Inputs.Select(i => TypeElement("inputType", i))),
            new XElement(Command + "returnValues", page.Outputs.Select(o => TypeElement("returnValue", o))),
            new XElement(Maml + "alertSet", new XElement(Maml + "alert", Paras(page.Notes))),
            new XElement(Command + "examples", page.Examples.Select((e, i) => new XElement(Command + "example",
                new XElement(Maml + "title", $"-------------------------- {e.Title} --------------------------"),
                new XElement(Dev + "code", e.Code),
                new XElement(Dev + "remarks", Paras(e.Remarks))))),
            new XElement(Command + "relatedLinks", page.Links.Select(l => new XElement(Maml + "navigationLink",
                new XElement(Maml + "linkText", l.Text),
                new XElement(Maml + "uri", l.Uri.StartsWith("http", StringComparison.OrdinalIgnoreCase) ? l.Uri : "")))));
    }

    /// <summary>One syntax item per parameter set, with the parameters of that set and of all sets.</summary>
    private static IEnumerable<XElement> SyntaxItems(CommandPage page)
    {
        var sets = page.ParameterSets.Count > 0 ? page.ParameterSets : new List<string> { "(All)" };
        foreach (var set in sets)
        {
            var members = page.Parameters
                .Select(p => (Parameter: p, Use: p.Sets.FirstOrDefault(s => s.Name == set) ?? p.Sets.FirstOrDefault(s => s.Name == "(All)")))
                .Where(x => x.Use != null)
                .OrderBy(x => int.TryParse(x.Use!.Position, out int n) ? n : int.MaxValue)
                .ThenBy(x => x.Use!.Required ? 0 : 1);
            yield return new XElement(Command + "syntaxItem",
                new XElement(Maml + "name", page.Name),
                members.Select(x => ParameterElement(x.Parameter, x.Use)));
        }
    }

    private static XElement ParameterElement(CommandPage.Parameter parameter, CommandPage.SetUse? use)
    {
        string pipeline = use == null || !(use.ByValue || use.ByPropertyName) ? "False"
            : "True (" + string.Join(", ", new[] { use.ByValue ? "ByValue" : null, use.ByPropertyName ? "ByPropertyName" : null }.Where(s => s != null)) + ")";
        string shortType = parameter.Type.Split('.').Last();
        var element = new XElement(Command + "parameter",
            new XAttribute("required", use?.Required == true ? "true" : "false"),
            new XAttribute("variableLength", parameter.Type.EndsWith("[]", StringComparison.Ordinal) ? "true" : "false"),
            new XAttribute("globbing", parameter.SupportsWildcards ? "true" : "false"),
            new XAttribute("pipelineInput", pipeline),
            new XAttribute("position", use == null || !int.TryParse(use.Position, out _) ? "named" : use.Position),
            new XAttribute("aliases", parameter.Aliases.Count == 0 ? "none" : string.Join(", ", parameter.Aliases)),
            new XElement(Maml + "name", parameter.Name),
            Description(parameter.Description));
        if (!parameter.IsSwitch)
            element.Add(new XElement(Command + "parameterValue", new XAttribute("required", "true"), new XAttribute("variableLength", "false"), shortType));
        element.Add(new XElement(Dev + "type", new XElement(Maml + "name", parameter.Type), new XElement(Maml + "uri")));
        element.Add(new XElement(Dev + "defaultValue", string.IsNullOrEmpty(parameter.DefaultValue) || parameter.DefaultValue == "''" ? "None" : parameter.DefaultValue));
        return element;
    }

    private static XElement TypeElement(string kind, CommandPage.TypeNote note) =>
        new(Command + kind,
            new XElement(Dev + "type", new XElement(Maml + "name", note.Type), new XElement(Maml + "uri"), new XElement(Maml + "description")),
            Description(note.Description));

    private static XElement Description(IEnumerable<string> paragraphs) => new(Maml + "description", Paras(paragraphs));

    private static IEnumerable<XElement> Paras(IEnumerable<string> paragraphs) =>
        paragraphs.Where(p => p.Length > 0).Select(p => new XElement(Maml + "para", p));
}
