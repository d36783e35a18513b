// Help through the engine: Get-Help reads the MAML the build makes from docs/en-US, every
// parameter is documented, and the docs cannot drift from the cmdlets' real parameters.
using System.Management.Automation;
using System.Text.RegularExpressions;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class HelpTests
{
    public static TheoryData<string> Cmdlets => new()
    {
        "Connect-Highway", "Disconnect-Highway", "New-HailuoVideo", "Get-HailuoTask", "Wait-HailuoTask", "Save-HailuoVideo",
    };

    private static string DocsPage(string cmdlet) => Path.Combine(PowerShellSession.RepoRoot, "docs", "en-US", cmdlet + ".md");

    private static string[] RealParameters(PowerShellSession session, string cmdlet) =>
        session.Run("(Get-Command $args[0]).Parameters.Keys | Where-Object { $_ -notin [System.Management.Automation.PSCmdlet]::CommonParameters }", cmdlet)
            .Output.Select(o => o.ToString()).OrderBy(n => n, StringComparer.Ordinal).ToArray();

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void GetHelpFullShowsSynopsisDescriptionEveryParameterAndTheExamples(string cmdlet)
    {
        using var session = new PowerShellSession();
        string markdown = File.ReadAllText(DocsPage(cmdlet));
        string synopsis = Regex.Match(markdown, @"## SYNOPSIS\s+(.+?)\s*\n\n", RegexOptions.Singleline).Groups[1].Value.Trim();

        var help = session.Run("Get-Help $args[0] -Full", cmdlet);
        help.ThrowIfFailed();
        var info = Assert.Single(help.Output);

        Assert.Equal(synopsis, info.Properties["Synopsis"].Value?.ToString()?.Trim());
        var description = session.Run("(Get-Help $args[0] -Full).description.Text -join ' '", cmdlet).Output.Single().ToString();
        Assert.True(description.Length > 40, $"description: '{description}'");
        var documented = session.Run("(Get-Help $args[0] -Full).parameters.parameter | ForEach-Object { '{0}={1}' -f $_.name, ($_.description.Text -join ' ') }", cmdlet)
            .Output.Select(o => o.ToString()).ToDictionary(l => l.Split('=')[0], l => l.Substring(l.IndexOf('=') + 1));
        foreach (var parameter in RealParameters(session, cmdlet))
        {
            Assert.True(documented.TryGetValue(parameter, out var text) && text.Trim().Length > 10, $"{cmdlet} -{parameter} has no description in Get-Help");
        }
        int examples = (int)session.Run("@((Get-Help $args[0] -Full).examples.example).Count", cmdlet).Output.Single().BaseObject;
        Assert.True(examples >= 3, $"{cmdlet} has {examples} examples");
        var firstCode = session.Run("@((Get-Help $args[0] -Full).examples.example)[0].code", cmdlet).Output.Single().ToString();
        Assert.Contains(cmdlet, firstCode);
    }

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void TheMarkdownAndTheCmdletAgreeOnEveryParameter(string cmdlet)
    {
        using var session = new PowerShellSession();
        var inDocs = Regex.Matches(File.ReadAllText(DocsPage(cmdlet)), @"^### -(\w+)\s*$", RegexOptions.Multiline)
            .Select(m => m.Groups[1].Value).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        var real = RealParameters(session, cmdlet);

        Assert.True(real.Except(inDocs).ToArray() is { Length: 0 } missing, $"{cmdlet}: not documented: {string.Join(", ", real.Except(inDocs))}");
        Assert.True(inDocs.Except(real).ToArray() is { Length: 0 }, $"{cmdlet}: documented but gone: {string.Join(", ", inDocs.Except(real))}");
    }

    [Fact]
    public void TheAboutTopicIsFoundByGetHelp()
    {
        using var session = new PowerShellSession();

        var result = session.Run("Get-Help about_HighwayHailuo");

        var text = string.Join("\n", result.Output.Select(o => o.ToString()));
        Assert.Contains("JOURNALS", text, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("HighwayHailuo", text);
        Assert.Contains("HailuoSubmitOutcomeUnknown", text);
    }
}
