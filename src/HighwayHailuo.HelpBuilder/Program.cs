// HighwayHailuo.HelpBuilder <docs-folder> <out-folder>
// Writes <out>/HighwayHailuo.dll-Help.xml from every cmdlet page and <out>/about_*.help.txt from
// every about_ page of the docs folder. Exit code 1 with a message when a page is malformed.
using HighwayHailuo.HelpBuilder;

if (args.Length != 2)
{
    Console.Error.WriteLine("usage: HighwayHailuo.HelpBuilder <docs-folder> <out-folder>");
    return 2;
}
try
{
    var written = HelpFiles.Build(args[0], args[1], "HighwayHailuo.dll-Help.xml");
    Console.WriteLine($"help: {string.Join(", ", written.Select(Path.GetFileName))}");
    return 0;
}
catch (FormatException ex)
{
    Console.Error.WriteLine("error HELP001: " + ex.Message);
    return 1;
}
