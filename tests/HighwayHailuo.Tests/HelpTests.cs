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
        "Get-HailuoPrice", "Set-HailuoPrice", "Export-HailuoReview",
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

    // What Get-Help says of each parameter against what the engine binds: aliases and type in the
    // parameter list, and per parameter set (the syntax items, in the markdown's SYNTAX order) which
    // parameters it has, their positions, whether they are required and what they take from the
    // pipeline. Every cmdlet and parameter is swept; a new one adds its rows by itself.
    private const string CompareHelpWithMetadata = """
        $name = $args[0]; [string[]] $setNames = $args[1]
        $command = Get-Command $name
        $common = [System.Management.Automation.PSCmdlet]::CommonParameters + [System.Management.Automation.PSCmdlet]::OptionalCommonParameters
        $help = Get-Help $name -Full
        $problems = [System.Collections.Generic.List[string]]::new()
        foreach ($real in $command.Parameters.Values | Where-Object { $_.Name -notin $common }) {
            $documented = @($help.parameters.parameter) | Where-Object { $_.name -eq $real.Name }
            if (-not $documented) { $problems.Add("-$($real.Name): not in Get-Help"); continue }
            $helpAliases = if (-not $documented.aliases -or $documented.aliases -eq 'none') { @() } else { @($documented.aliases -split ',\s*') }
            if ((@($helpAliases | Sort-Object) -join ',') -ne (@($real.Aliases | Sort-Object) -join ',')) {
                $problems.Add("-$($real.Name): aliases '$($helpAliases -join ',')' in help, '$($real.Aliases -join ',')' bound")
            }
            if ($documented.type.name -ne $real.ParameterType.ToString()) {
                $problems.Add("-$($real.Name): type '$($documented.type.name)' in help, '$($real.ParameterType)' bound")
            }
        }
        $items = @($help.syntax.syntaxItem)
        if ($items.Count -ne $setNames.Count) { $problems.Add("$($items.Count) syntax items for $($setNames.Count) sets") }
        if ((@($setNames | Sort-Object) -join ',') -ne (@($command.ParameterSets.Name | Sort-Object) -join ',')) {
            $problems.Add("sets '$($setNames -join ',')' in the markdown, '$($command.ParameterSets.Name -join ',')' bound")
        }
        for ($i = 0; $i -lt [Math]::Min($items.Count, $setNames.Count); $i++) {
            $set = $command.ParameterSets | Where-Object { $_.Name -eq $setNames[$i] }
            if (-not $set) { continue }
            $inSet = @($set.Parameters | Where-Object { $_.Name -notin $common })
            $shown = @($items[$i].parameter | Where-Object { $_.name -notin $common })
            if ((@($shown.name | Sort-Object) -join ',') -ne (@($inSet.Name | Sort-Object) -join ',')) {
                $problems.Add("set $($set.Name): '$($shown.name -join ',')' in help, '$($inSet.Name -join ',')' bound")
            }
            foreach ($real in $inSet) {
                $documented = $shown | Where-Object { $_.name -eq $real.Name }
                if (-not $documented) { continue }
                $position = if ($real.Position -lt 0) { 'named' } else { "$($real.Position)" }
                $from = @(if ($real.ValueFromPipeline) { 'ByValue' }; if ($real.ValueFromPipelineByPropertyName) { 'ByPropertyName' })
                $pipeline = if ($from.Count) { "True ($($from -join ', '))" } else { 'False' }
                $expected = "position $position, required $($real.IsMandatory.ToString().ToLowerInvariant()), pipeline $pipeline"
                $actual = "position $($documented.position), required $($documented.required), pipeline $($documented.pipelineInput)"
                if ($actual -ne $expected) { $problems.Add("set $($set.Name) -$($real.Name): $actual in help, $expected bound") }
            }
        }
        $problems
        """;

    [Theory]
    [MemberData(nameof(Cmdlets))]
    public void GetHelpSaysWhatTheEngineBindsForEveryParameterAndSet(string cmdlet)
    {
        using var session = new PowerShellSession();
        var syntax = Regex.Match(File.ReadAllText(DocsPage(cmdlet)), @"^## SYNTAX\s*$(.*?)^## ", RegexOptions.Multiline | RegexOptions.Singleline).Groups[1].Value;
        var setNames = Regex.Matches(syntax, @"^### (.+?)\s*$", RegexOptions.Multiline).Select(m => m.Groups[1].Value.Replace("(Default)", "").Trim()).ToArray();

        var problems = session.Run(CompareHelpWithMetadata, cmdlet, setNames);

        problems.ThrowIfFailed();
        Assert.True(problems.Output.Count == 0, cmdlet + ":\n" + string.Join("\n", problems.Output));
    }

    [Fact]
    public void EveryExportedCmdletIsInTheHelpSweeps()
    {
        using var session = new PowerShellSession();
        var exported = session.Run("(Get-Command -Module HighwayHailuo).Name").Output.Select(o => o.ToString()).OrderBy(n => n, StringComparer.Ordinal);
        Assert.Equal(((IEnumerable<object[]>)Cmdlets).Select(row => (string)row[0]).OrderBy(n => n, StringComparer.Ordinal), exported);
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
