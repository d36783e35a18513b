// One cmdlet's help page in the PlatyPS 1.x markdown schema, read into plain fields.
namespace HighwayHailuo.HelpBuilder;

internal sealed class CommandPage
{
    public string Name { get; set; } = "";
    public string Synopsis { get; set; } = "";
    public List<string> Description { get; } = new();
    public List<string> ParameterSets { get; } = new();
    public List<Example> Examples { get; } = new();
    public List<Parameter> Parameters { get; } = new();
    public List<TypeNote> Inputs { get; } = new();
    public List<TypeNote> Outputs { get; } = new();
    public List<string> Notes { get; } = new();
    public List<(string Text, string Uri)> Links { get; } = new();

    internal sealed record Example(string Title, string Code, List<string> Remarks);
    internal sealed record TypeNote(string Type, List<string> Description);

    internal sealed class Parameter
    {
        public string Name { get; set; } = "";
        public List<string> Description { get; } = new();
        public string Type { get; set; } = "System.Object";
        public string DefaultValue { get; set; } = "";
        public bool SupportsWildcards { get; set; }
        public List<string> Aliases { get; } = new();
        public List<SetUse> Sets { get; } = new();
        public bool IsSwitch => Type.EndsWith("SwitchParameter", StringComparison.Ordinal);
    }

    internal sealed record SetUse(string Name, string Position, bool Required, bool ByValue, bool ByPropertyName);
}
