// The staged module as a whole: manifest, exports, layout, and the default view.
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class ModuleTests
{
    [Fact]
    public void ManifestIsCleanAndStampedFromTheOneVersionSource()
    {
        using var session = new PowerShellSession();
        var result = session.Run("""
            $m = Test-ModuleManifest -Path $args[0] -ErrorAction Stop
            $m.Version.ToString()
            ($m.CompatiblePSEditions | Sort-Object) -join ','
            $m.PowerShellVersion.ToString()
            ($m.ExportedCmdlets.Keys | ForEach-Object { $_ }) -join ','
            $m.ExportedFunctions.Count + $m.ExportedAliases.Count + $m.ExportedVariables.Count
            $m.Description
            $m.Tags -join ','
            $m.ReleaseNotes
            "$($m.ProjectUri)|$($m.LicenseUri)"
            """.Replace("| Sort-Object", ""), PowerShellSession.ModuleManifest);

        result.ThrowIfFailed();
        var lines = result.Output.Select(o => o.ToString()).ToArray();
        Assert.Equal(typeof(HailuoTask).Assembly.GetName().Version!.ToString(3), lines[0]);
        Assert.Equal("Desktop,Core", lines[1]);
        Assert.Equal("5.1", lines[2]);
        Assert.Equal(
            new[] { "Connect-Highway", "Disconnect-Highway", "Export-HailuoReview", "Get-HailuoPrice", "Get-HailuoTask", "New-HailuoVideo", "Save-HailuoVideo", "Set-HailuoPrice", "Wait-HailuoTask" },
            lines[3].Split(',').OrderBy(n => n));
        Assert.Equal("0", lines[4]);
        // The description names every model of the table (as -Model completes them), not only the first.
        Assert.Contains("Minimax Hailuo models", lines[5]);
        var models = session.Run("$line = 'New-HailuoVideo -Model '; (TabExpansion2 -inputScript $line -cursorColumn $line.Length).CompletionMatches.CompletionText").Output.Select(o => o.ToString()).ToArray();
        Assert.NotEmpty(models);
        Assert.All(models, model => Assert.Contains(model.Replace("Hailuo-", "").Replace('-', ' '), lines[5]));
        Assert.Contains("PSEdition_Core", lines[6].Split(','));
        Assert.Contains("PSEdition_Desktop", lines[6].Split(','));
        Assert.Contains("CHANGELOG.md", lines[7]);
        // The release notes are this version's section of the changelog, stamped by the build.
        string changelog = File.ReadAllText(Path.Combine(PowerShellSession.RepoRoot, "CHANGELOG.md")).Replace("\r\n", "\n");
        string section = System.Text.RegularExpressions.Regex.Match(changelog, @"(?ms)^## \[" + System.Text.RegularExpressions.Regex.Escape(lines[0]) + @"\][^\n]*\n(.*?)(?=^## \[|\z)").Groups[1].Value.Trim();
        Assert.StartsWith(section.Split('\n')[0], lines[7]);
        Assert.Contains(section.Split('\n').Last(l => l.Trim().Length > 0).Trim(), lines[7]);
        Assert.Equal("|", lines[8]); // no project or licence address until the project has a public home
        // The release notes and the licence ship beside the manifest's source.
        Assert.Contains("## [" + lines[0] + "]", File.ReadAllText(Path.Combine(PowerShellSession.RepoRoot, "CHANGELOG.md")));
        Assert.Contains("MIT License", File.ReadAllText(Path.Combine(PowerShellSession.RepoRoot, "LICENSE")));
    }

    [Fact]
    public void DependenciesLiveApartSoPowerShell7UsesItsOwnCopies()
    {
        var root = PowerShellSession.ModuleFolder;
        Assert.Equal(new[] { "HighwayHailuo.dll" }, Directory.GetFiles(root, "*.dll").Select(Path.GetFileName));
        Assert.True(File.Exists(Path.Combine(root, "dependencies", "System.Text.Json.dll")));
        Assert.True(File.Exists(Path.Combine(root, "HighwayHailuo.format.ps1xml")));

        // The host already has System.Text.Json loaded; the module shares it rather than loading its own.
        using var session = new PowerShellSession();
        var result = session.Run("[HighwayHailuo.HailuoTask].Assembly.GetReferencedAssemblies().Name -contains 'System.Text.Json'");
        result.ThrowIfFailed();
        Assert.Equal("True", result.Output.Single().ToString());
        var loadedJson = AppDomain.CurrentDomain.GetAssemblies().Where(a => a.GetName().Name == "System.Text.Json").ToList();
        Assert.All(loadedJson, a => Assert.DoesNotContain(Path.Combine("out", "HighwayHailuo"), a.Location));
    }

    [Fact]
    public async Task TheDefaultTableShowsTheContractColumns()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "sunset.png", TestImages.Png(400, 320));

        var result = session.Run("New-HailuoVideo sunset.png -Prompt p -Resolution 1080P | Out-Host");

        result.ThrowIfFailed();
        var text = session.Host.PlainText;
        foreach (var column in new[] { "TaskId", "Status", "Progress", "SourceImage", "Model", "Video" })
            Assert.Contains(column, text);
        Assert.Contains("sunset.png", text);
        Assert.DoesNotContain(session.WorkDir, text); // the file name, not the whole path
        Assert.Contains("Queued", text);
        Assert.Contains("6 s 1080P", text);
        Assert.All(text.Split('\n'), line => Assert.True(line.TrimEnd().Length <= 80, $"too wide: '{line}'"));
    }

    [Fact]
    public void HailuoTaskHasTheContractShape()
    {
        var type = typeof(HailuoTask);
        Assert.True(type.IsSealed && type.IsPublic);
        var expected = new Dictionary<string, Type>
        {
            ["TaskId"] = typeof(string), ["Status"] = typeof(HailuoTaskStatus), ["ProgressPercent"] = typeof(int?),
            ["EtaSeconds"] = typeof(int?), ["Reason"] = typeof(string), ["VideoUrl"] = typeof(Uri),
            ["VideoUrlExpiresAt"] = typeof(DateTimeOffset?), ["VideoType"] = typeof(string), ["Seed"] = typeof(string),
            ["Model"] = typeof(string), ["SourceImage"] = typeof(string), ["LastFrame"] = typeof(string), ["Prompt"] = typeof(string), ["Duration"] = typeof(int?),
            ["Resolution"] = typeof(string), ["SubmittedAt"] = typeof(DateTimeOffset?), ["CompletedAt"] = typeof(DateTimeOffset?),
            ["LastUpdated"] = typeof(DateTimeOffset),
        };
        foreach (var (name, propertyType) in expected)
            Assert.Equal(propertyType, type.GetProperty(name)?.PropertyType);
        Assert.Equal(new[] { "Unknown", "Queued", "Processing", "Succeeded", "Failed" }, Enum.GetNames<HailuoTaskStatus>());
    }
}

public sealed class ScriptSyntaxTests
{
    // build.ps1 and the Pester suite run only where pwsh exists; the real parser checks them here.
    private static IEnumerable<string> ScriptPaths() =>
        Directory.GetFiles(PowerShellSession.RepoRoot, "*.ps1", SearchOption.AllDirectories)
            .Select(f => Path.GetRelativePath(PowerShellSession.RepoRoot, f))
            .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "out"));

    public static TheoryData<string> Scripts() => new(ScriptPaths());

    [Theory]
    [MemberData(nameof(Scripts))]
    public void ParsesWithoutErrors(string relativePath)
    {
        System.Management.Automation.Language.Parser.ParseFile(Path.Combine(PowerShellSession.RepoRoot, relativePath), out _, out var errors);
        Assert.Empty(errors.Select(e => $"{e.Extent.StartLineNumber}: {e.Message}"));
    }

    [Fact]
    public void ThePesterSuiteAndTheBuildScriptAreThere()
    {
        var scripts = ScriptPaths().ToList();
        Assert.Contains("build.ps1", scripts);
        Assert.Contains(scripts, s => s.StartsWith(Path.Combine("tests", "Pester")) && s.EndsWith(".Tests.ps1"));
    }
}
