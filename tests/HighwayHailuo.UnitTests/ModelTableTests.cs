// The model family's rules live in one table in code (Catalogue/HailuoModels.cs); about_HighwayHailuo
// shows the same table, so the help cannot drift from what is checked and sent.
using System.Text.RegularExpressions;
using HighwayHailuo.Api;
using Xunit;
using HighwayHailuo.Catalogue;

namespace HighwayHailuo.UnitTests;

public sealed class ModelTableTests
{
    [Fact]
    public void TheHelpShowsTheModelTableOfTheCode()
    {
        var rows = DocumentedRows();
        var code = HailuoModels.Endpoints.Select(e => string.Join(" ", e.Model, e.Mode, e.Name,
            e.TakesImage ? "required" : "none", e.TakesLastFrame ? "optional" : "no",
            e.TakesFastPretreatment ? "yes" : "no", e.ListsCameraCommands ? "listed" : "unlisted",
            string.Join(", ", e.Formats))).ToList();

        Assert.Equal(code, rows);
    }

    /// <summary>The model table of about_HighwayHailuo, one line per row, cells joined by spaces.</summary>
    private static List<string> DocumentedRows()
    {
        string about = File.ReadAllText(Path.Combine(ErrorCatalogTests.RepoRoot(), "docs", "en-US", "about_HighwayHailuo.md"));
        return Regex.Matches(about, @"^\| `(Hailuo-[\w.\-]+)` \| (image|text) \| `([\w.\-]+)` \| (\w+) \| (\w+) \| (\w+) \| (\w+) \| ([^|]+) \|$", RegexOptions.Multiline)
            .Select(m => string.Join(" ", m.Groups.Values.Skip(1).Select(g => g.Value)))
            .ToList();
    }

    [Fact]
    public void EveryModelMakesVideosFromImagesAndTheDefaultIsTwoPointThree()
    {
        Assert.Equal(DocumentedRows().Select(r => r.Split(' ')[0]).Distinct(), HailuoModels.Names);
        Assert.Equal("Hailuo-2.3", HailuoModels.Names[0]);
        Assert.All(HailuoModels.Names, name => Assert.NotNull(HailuoModels.Find(name, withImage: true)));
        Assert.Equal("minimax-hailuo-2.3-i2v", HailuoModels.Find(HailuoModels.Default, withImage: true)!.Name);
        Assert.Equal("Hailuo-2.3-Fast", HailuoModels.Canonical(" hailuo-2.3-FAST "));
        Assert.Null(HailuoModels.Canonical("Hailuo-01"));
        // The documented formats, the same for every model: 10 s only at 768P.
        Assert.All(HailuoModels.Endpoints, e => Assert.False(e.Allows(10, "1080P")));
        Assert.All(HailuoModels.Endpoints, e => Assert.True(e.Allows(6, "1080P") && e.Allows(10, "768P") && e.Allows(6, "768P")));
    }

    [Fact]
    public void FakeHighwayAgreesWithTheModelTable()
    {
        // FakeHighway plays the provider and keeps its own table; a new model is a row in each, and
        // this says which side is missing what.
        var byEndpoint = HailuoModels.Endpoints.GroupBy(e => e.Name).ToList();
        Assert.Equal(byEndpoint.Select(g => g.Key).Order(), FakeHighway.FakeHighwayServer.Endpoints.Keys.Order());
        foreach (var rows in byEndpoint)
        {
            var fake = FakeHighway.FakeHighwayServer.Endpoints[rows.Key];
            Assert.Equal(rows.SelectMany(e => e.Fields).Distinct().Order(), fake.Fields.Order());
            Assert.Equal(rows.All(e => e.TakesImage), fake.ImageRequired);
            Assert.All(rows, e => Assert.Equal(e.Formats.Select(f => (f.Seconds, f.Resolution)), fake.Formats));
        }
    }

    [Fact]
    public void EveryRowMakesTheDefaultFormatAndTheListsComeFromTheRows()
    {
        Assert.All(HailuoModels.Endpoints, e => Assert.True(e.Allows(HailuoModels.DefaultDuration, HailuoModels.DefaultResolution), e.Name));
        Assert.Equal(HailuoModels.Endpoints.SelectMany(e => e.Formats).Select(f => f.Seconds).Distinct().Order(), HailuoModels.Durations);
        Assert.Equal(new[] { "768P", "1080P" }, HailuoModels.Resolutions); // by height, not as text sorts them
    }
}
