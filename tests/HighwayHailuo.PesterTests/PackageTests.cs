// The packages users install, as they install them: the Gallery package published to a folder
// repository, installed with PSResourceGet into an empty module path (a fresh HOME), imported by
// name, used for New | Wait | Save against FakeHighway, and uninstalled, all in the official pwsh.
// And the packages the build writes (out/packages/): what each holds.
using System.IO.Compression;
using FakeHighway;
using HighwayHailuo.Tests;
using Xunit;
using Xunit.Abstractions;

namespace HighwayHailuo.PesterTests;

public sealed class PackageTests : IDisposable
{
    private const string RoundTrip = """
        param([string] $ModuleFolder, [string] $Repository, [string] $BaseUri, [string] $Key)
        $ErrorActionPreference = 'Stop'
        $ProgressPreference = 'SilentlyContinue'
        "BEFORE $(@(Get-Module -ListAvailable HighwayHailuo).Count)"
        Register-PSResourceRepository -Name HighwayHailuoTest -Uri $Repository -Trusted
        Publish-PSResource -Path $ModuleFolder -Repository HighwayHailuoTest
        Install-PSResource -Name HighwayHailuo -Repository HighwayHailuoTest -Scope CurrentUser -TrustRepository
        $installed = Get-InstalledPSResource -Name HighwayHailuo
        "INSTALLED $($installed.Version) $($installed.InstalledLocation)"
        Import-Module HighwayHailuo
        $module = Get-Module HighwayHailuo
        "IMPORTED $($module.Version) $($module.ModuleBase)"
        "CMDLETS $((Get-Command -Module HighwayHailuo).Count)"
        "HELP $((Get-Help New-HailuoVideo -Parameter Path).aliases)"
        Connect-Highway -ApiKey $Key -BaseUri $BaseUri
        $saved = @(Get-ChildItem ./photos | New-HailuoVideo -Prompt 'installed from the gallery' |
            Wait-HailuoTask -PollInterval 0.2 | Save-HailuoVideo -Destination ./videos)
        "SAVED $($saved.Count)"
        Remove-Module HighwayHailuo
        Uninstall-PSResource -Name HighwayHailuo -Scope CurrentUser
        "AFTER $(@(Get-Module -ListAvailable HighwayHailuo).Count)"
        """;

    private readonly ITestOutputHelper _log;
    private readonly string _work = Directory.CreateTempSubdirectory("hailuo-package-").FullName;

    public PackageTests(ITestOutputHelper log) => _log = log;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    private static string ModuleFolder => Path.GetDirectoryName(ChildProcess.ModuleManifest)!;

    // The version the build stamped into the staged manifest.
    private static string Version => System.Text.RegularExpressions.Regex.Match(File.ReadAllText(ChildProcess.ModuleManifest), @"ModuleVersion\s*=\s*'([^']+)'").Groups[1].Value;

    [Fact]
    public async Task TheGalleryPackagePublishesInstallsImportsRunsAndUninstalls()
    {
        await using var fake = await FakeHighwayServer.StartAsync(new FakeHighwayOptions
        {
            QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(200),
        });
        for (int i = 0; i < 3; i++)
            TestImages.Write(Path.Combine(_work, "photos"), $"p{i}.png", TestImages.Png(400, 320 + i));
        string repository = Directory.CreateDirectory(Path.Combine(_work, "repository")).FullName;
        string home = Directory.CreateDirectory(Path.Combine(_work, "home")).FullName;
        File.WriteAllText(Path.Combine(_work, "roundtrip.ps1"), RoundTrip);
        // An empty module path: a fresh HOME, so CurrentUser's modules and PSResourceGet's
        // repository list are this test's own, and the user's are never touched.
        var environment = new Dictionary<string, string>
        {
            ["HOME"] = home,
            ["XDG_DATA_HOME"] = Path.Combine(home, ".local", "share"),
            ["XDG_CONFIG_HOME"] = Path.Combine(home, ".config"),
            ["XDG_CACHE_HOME"] = Path.Combine(home, ".cache"),
        };

        using var run = ChildProcess.StartPwshFile(Path.Combine(_work, "roundtrip.ps1"), _work, environment,
            ModuleFolder, repository, fake.BaseUri.ToString(), fake.Options.ApiKey);
        int exitCode = run.WaitForExit(TimeSpan.FromMinutes(3));
        _log.WriteLine(run.Output);

        Assert.True(exitCode == 0, run.Output);
        var lines = run.Output.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).ToList();
        string version = Version;
        Assert.Contains("BEFORE 0", lines);
        Assert.Single(Directory.GetFiles(repository, $"HighwayHailuo.{version}.nupkg"));
        var installed = lines.Single(l => l.StartsWith("INSTALLED ", StringComparison.Ordinal));
        Assert.StartsWith($"INSTALLED {version} {home}", installed);
        var imported = lines.Single(l => l.StartsWith("IMPORTED ", StringComparison.Ordinal));
        Assert.StartsWith($"IMPORTED {version} {home}", imported); // by name, from the install
        Assert.Contains("CMDLETS 9", lines);
        Assert.Contains("HELP ImageUri, Url", lines);
        Assert.Contains("SAVED 3", lines);
        Assert.Contains("AFTER 0", lines);
        Assert.Equal(3, fake.Submissions.Count);
        Assert.Equal(3, Directory.GetFiles(Path.Combine(_work, "videos"), "*.mp4").Length);
    }

    public static TheoryData<string> Packages() => new() { "nupkg", "zip" };

    [Theory]
    [MemberData(nameof(Packages))]
    public void TheBuildWritesEachPackageWithTheWholeModule(string kind)
    {
        string version = Version;
        string folder = Path.Combine(ChildProcess.RepoRoot, "out", "packages");
        // The Automation zip holds the module folder at its root; the Gallery package holds its files.
        var (file, prefix) = kind == "zip"
            ? (Path.Combine(folder, "HighwayHailuo.zip"), "HighwayHailuo/")
            : (Path.Combine(folder, $"HighwayHailuo.{version}.nupkg"), "");
        Assert.True(File.Exists(file), $"the build wrote no {file}");
        using var archive = ZipFile.OpenRead(file);
        var entries = archive.Entries.Select(e => e.FullName.Replace('\\', '/')).ToHashSet(StringComparer.Ordinal);
        _log.WriteLine($"{Path.GetFileName(file)}: {new FileInfo(file).Length:N0} bytes, {entries.Count} entries");

        var staged = Directory.GetFiles(ModuleFolder, "*", SearchOption.AllDirectories)
            .Select(f => prefix + Path.GetRelativePath(ModuleFolder, f).Replace('\\', '/'));
        Assert.All(staged, entry => Assert.Contains(entry, entries));
        Assert.Contains(prefix + "en-US/HighwayHailuo.dll-Help.xml", entries);
        Assert.Contains(prefix + "LICENSE", entries);
    }
}
