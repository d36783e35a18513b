// The hostile-server sweep (tests/Sweeps/ServerFaults.psm1) through the hosted engine: every mode of
// FakeHighway's catalogue (FaultModes) on every request it applies to (submit, task-result, video),
// each met by a whole New | Wait | Save batch with a journal. Each case must end as the oracle says
// for its class, and whatever the server does: no key in any text or file, no terminal escape on the
// screen, no image billed twice, every paid task in the journal, no video under its final name
// unless whole. A new mode in the catalogue adds cases here by itself. Pester runs the same sweep.
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class ServerFaultSweepTests
{
    private static readonly string s_sweep = Path.Combine(PowerShellSession.RepoRoot, "tests", "Sweeps", "ServerFaults.psm1");

    /// <summary>Every mode, on every request it applies to.</summary>
    public static TheoryData<string, string> Cases()
    {
        var cases = new TheoryData<string, string>();
        foreach (var mode in FaultModes.All)
            foreach (var request in mode.Requests)
                cases.Add(mode.Name, FaultModes.Name(request));
        return cases;
    }

    [Fact]
    public void TheCatalogueCoversEveryRequestAndEveryClass()
    {
        var requests = FaultModes.All.SelectMany(m => m.Requests).Distinct().ToList();
        Assert.Equal(Enum.GetValues<RequestKind>().Length, requests.Count);
        Assert.Equal(Enum.GetValues<FaultClass>().Order(), FaultModes.All.Select(m => m.Class).Distinct().Order());
        Assert.True(Cases().Count >= 70, $"{Cases().Count} cases");
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EachHostileAnswerEndsAsPromisedAndLeaksNothing(string mode, string request)
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(200) });
        var (fake, session) = rig;

        var result = session.Run("""
            Import-Module $args[0]
            $context = [pscustomobject]@{ FakeBaseUri = $args[1]; ApiKey = $args[2]; Root = $PWD.ProviderPath; Images = @($args[3], $args[4]) }
            $mode, $request = $args[5], $args[6]
            $case = Get-HailuoFaultCase -FakeBaseUri $args[1] | Where-Object { $_.Mode -eq $mode -and $_.Request -eq $request }
            if (-not $case) { throw "no such case" }
            (Test-HailuoFaultCase -Case $case -Context $context).Problems
            """, s_sweep, fake.BaseUri.ToString(), fake.Options.ApiKey, TestImages.Fixture("portrait.png"), TestImages.Fixture("photo.jpg"), mode, request);

        Assert.Null(result.Terminating);
        var problems = result.Output.Select(o => o.ToString()).ToList();
        Assert.True(problems.Count == 0, $"{mode} on {request}:\n" + string.Join("\n", problems));
    }
}
