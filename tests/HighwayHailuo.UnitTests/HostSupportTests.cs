// Which PowerShell the module runs on, and which dependency copy it hands out: decided apart from
// the import, so hosts this machine cannot run (Windows PowerShell 5.1, PowerShell 7.0-7.5) are
// swept here, each with the System.Text.Json its runtime carries.
using System.Reflection;
using HighwayHailuo.Hosting;
using Xunit;

namespace HighwayHailuo.UnitTests;

public sealed class HostSupportTests
{
    // The module's own reference, read from the built assembly: a bump re-sweeps every row.
    private static readonly Version s_neededJson =
        typeof(HostSupport).Assembly.GetReferencedAssemblies().Single(a => a.Name == "System.Text.Json").Version!;

    // PowerShell releases: engine, .NET Framework or not, the runtime's System.Text.Json (assembly version).
    public static TheoryData<string, bool, string?> Hosts() => new()
    {
        { "5.1", true, null },
        { "7.0", false, "4.0.1.0" },   // .NET Core 3.1
        { "7.1", false, "5.0.0.0" },   // .NET 5
        { "7.2", false, "6.0.0.0" },   // .NET 6 (Azure Automation's 7.2 runtime)
        { "7.3", false, "7.0.0.0" },   // .NET 7
        { "7.4", false, "8.0.0.0" },   // .NET 8
        { "7.5", false, "9.0.0.0" },   // .NET 9
        { "7.6", false, "10.0.0.0" },  // .NET 10
    };

    [Theory]
    [MemberData(nameof(Hosts))]
    public void PowerShellSevenBeforeSevenFourIsRefusedAtImportWithWhatToUse(string engine, bool netFramework, string? hostJson)
    {
        var refusal = HostSupport.Refusal(netFramework, Version.Parse(engine), hostJson == null ? null : Version.Parse(hostJson), s_neededJson);

        bool supported = netFramework || Version.Parse(engine) >= new Version(7, 4);
        if (supported)
        {
            Assert.Null(refusal);
        }
        else
        {
            Assert.NotNull(refusal);
            Assert.Contains("PowerShell 7.4 or later", refusal);
            Assert.Contains("This is PowerShell " + engine, refusal);
            Assert.Contains(hostJson!, refusal);
        }
    }

    [Fact]
    public void TheManifestAndTheCompatibilityPageSayTheSame()
    {
        string root = RepoRoot();
        string manifest = File.ReadAllText(Path.Combine(root, "HighwayHailuo.psd1"));
        string compatibility = File.ReadAllText(Path.Combine(root, "docs", "compatibility.md"));
        Assert.Contains("PowerShellVersion    = '5.1'", manifest);
        Assert.Contains("'Desktop', 'Core'", manifest);
        Assert.Contains("PowerShell 7.4+", compatibility);
        Assert.Contains("7.0-7.3", compatibility);
    }

    // Windows PowerShell 5.1's resolve path: only names shipped in dependencies/, never an older copy.
    public static TheoryData<string, string?, string?, bool> Requests() => new()
    {
        // requested name, requested version, shipped version (null: not shipped), answered
        { "System.Text.Json", "8.0.0.0", "8.0.0.5", true },
        { "System.Text.Json", "8.0.0.0", "8.0.0.0", true },
        { "System.Text.Json", "9.0.0.0", "8.0.0.5", false },   // asked for newer than shipped: the host decides
        { "System.Text.Json", null, "8.0.0.5", true },
        { "system.text.json", "8.0.0.0", "8.0.0.5", true },    // names ignore case, as the loader does
        { "System.Memory", "4.0.1.2", "4.0.1.2", true },
        { "Newtonsoft.Json", "13.0.0.0", null, false },         // not ours: another module's business
        { "System.Management.Automation", "3.0.0.0", null, false },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public void OnlyShippedDependenciesAreAnsweredAndNeverAnOlderCopy(string name, string? requested, string? shipped, bool answered)
    {
        var shippedNames = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "System.Text.Json", "System.Memory", "System.Buffers" };
        if (shipped == null)
            shippedNames.Remove(name);
        var request = new AssemblyName(name) { Version = requested == null ? null : Version.Parse(requested) };

        var file = HostSupport.DependencyFile(request, shippedNames, "/module/dependencies",
            path => shipped == null ? null : Version.Parse(shipped));

        Assert.Equal(answered, file != null);
        if (file != null)
            Assert.Equal(Path.Combine("/module/dependencies", name + ".dll"), file);
    }

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir != null && !File.Exists(Path.Combine(dir.FullName, "HighwayHailuo.psd1")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}
