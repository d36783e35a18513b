// The call-shape sweep of New-HailuoVideo (tests/Sweeps/CallShapes.psm1) through the hosted engine:
// every way of giving the image and the prompt, with every model, with and without -TextOnly,
// -LastFrame, -Journal and -WhatIf; each shape must send exactly the documented request, or give one
// specific error and send nothing. The shapes come from the cmdlet's parameter metadata, so a new
// image parameter, alias or model adds rows by itself. The Pester suite runs the same sweep in pwsh.
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class CallShapeSweepTests
{
    private static readonly string s_sweep = Path.Combine(PowerShellSession.RepoRoot, "tests", "Sweeps", "CallShapes.psm1");

    /// <summary>The ways of giving the image, read from the cmdlet's metadata by the sweep itself.</summary>
    public static TheoryData<string> ImageModes()
    {
        using var session = new PowerShellSession();
        var modes = session.Run("Import-Module $args[0]; Get-HailuoCallShape | Select-Object -ExpandProperty Image -Unique", s_sweep).ThrowIfFailed();
        return new TheoryData<string>(modes.Output.Select(o => o.ToString()));
    }

    [Fact]
    public void TheSweepCoversEveryWayOfGivingTheImageAndThePromptWithEveryModel()
    {
        using var session = new PowerShellSession();

        var counts = session.Run("""
            Import-Module $args[0]
            $shapes = @(Get-HailuoCallShape)
            $shapes.Count
            @($shapes.Image | Select-Object -Unique).Count
            @($shapes.Prompt | Select-Object -Unique).Count
            ($shapes.Model | Select-Object -Unique) -join ','
            ',' + (((Get-DocumentedModelTable).Model | Select-Object -Unique) -join ',')
            """, s_sweep).ThrowIfFailed().Output.Select(o => o.ToString()).ToArray();

        Assert.True(int.Parse(counts[0]) >= 3000, $"{counts[0]} shapes");
        Assert.True(int.Parse(counts[1]) >= 14, $"{counts[1]} ways of giving the image"); // missing, position, 2 names, 3 values, 6 properties, a task
        Assert.Equal("6", counts[2]); // missing, name, position, a piped string, a Get-Content line, property
        Assert.Equal(counts[4], counts[3]); // no model (the default) and every documented one
        Assert.StartsWith(",Hailuo-2.3,", counts[3]);
    }

    [Theory]
    [MemberData(nameof(ImageModes))]
    public async Task EachShapeSendsTheDocumentedRequestOrOneSpecificErrorAndNothing(string imageMode)
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighway.FakeHighwayOptions { QueuedFor = TimeSpan.FromMinutes(1) });
        var (fake, session) = rig;

        var result = session.Run("""
            Import-Module $args[0]
            $context = Initialize-HailuoCallShapeRun -FakeBaseUri $args[1] -ApiKey $args[5] -ImageFixture $args[2] -LastFrameFixture $args[3]
            $shapes = @(Get-HailuoCallShape | Where-Object Image -eq $args[4])
            "shapes: $($shapes.Count)"
            foreach ($shape in $shapes) {
                $checked = Test-HailuoCallShape -Shape $shape -Context $context
                if ($checked.Problems) { "$($checked.Name): $($checked.Problems -join '; ')" }
            }
            """, s_sweep, fake.BaseUri.ToString(), TestImages.Fixture("photo.jpg"), TestImages.Fixture("portrait.png"), imageMode, fake.Options.ApiKey).ThrowIfFailed();

        var lines = result.Output.Select(o => o.ToString()).ToList();
        Assert.StartsWith("shapes: ", lines[0]);
        Assert.True(int.Parse(lines[0]["shapes: ".Length..]) >= 3 * 64, lines[0]); // at least three ways of giving the prompt
        Assert.True(lines.Count == 1, $"{lines.Count - 1} of {lines[0]} broke their promise:\n" + string.Join("\n", lines.Skip(1).Take(40)));
    }

    [Fact]
    public async Task EveryOtherParameterWithEachSampleValueChangesTheRequestAsDocumented()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighway.FakeHighwayOptions { QueuedFor = TimeSpan.FromMinutes(1) });
        var (fake, session) = rig;

        var result = session.Run("""
            Import-Module $args[0]
            $context = Initialize-HailuoCallShapeRun -FakeBaseUri $args[1] -ApiKey $args[2] -ImageFixture $args[3] -LastFrameFixture $args[4]
            $shapes = @(Get-HailuoOptionShape)
            "shapes: $($shapes.Count)"
            foreach ($shape in $shapes) {
                $checked = Test-HailuoOptionShape -Shape $shape -Context $context
                if ($checked.Problems) { "$($checked.Name): $($checked.Problems -join '; ')" }
            }
            """, s_sweep, fake.BaseUri.ToString(), fake.Options.ApiKey, TestImages.Fixture("photo.jpg"), TestImages.Fixture("portrait.png")).ThrowIfFailed();

        var lines = result.Output.Select(o => o.ToString()).ToList();
        Assert.True(int.Parse(lines[0]["shapes: ".Length..]) >= 100, lines[0]);
        Assert.True(lines.Count == 1, $"{lines.Count - 1} of {lines[0]} broke their promise:\n" + string.Join("\n", lines.Skip(1).Take(40)));
    }
}
