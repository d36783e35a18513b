// Estimated costs: Get-HailuoPrice has a row for every model and format of the documented model
// table, figures only where a public one exists (about_HighwayHailuo shows the same table),
// Set-HailuoPrice replaces or extends them from parameters or a CSV, tasks carry their estimate,
// -WhatIf totals it, and a journal sums with Measure-Object.
using System.Globalization;
using System.Management.Automation;
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class PriceTests
{
    private static readonly string s_callShapes = Path.Combine(PowerShellSession.RepoRoot, "tests", "Sweeps", "CallShapes.psm1");

    /// <summary>"Model|seconds|resolution" for every model and format the about topic's model table lists.</summary>
    private static List<string> DocumentedFormats(PowerShellSession session) =>
        session.Run("""
            Import-Module $args[0]
            foreach ($row in Get-DocumentedModelTable) { foreach ($f in $row.Formats) { $s, $null, $r = $f -split ' '; "$($row.Model)|$s|$r" } }
            """, s_callShapes).ThrowIfFailed().Output.Select(o => o.ToString()).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>The price table as about_HighwayHailuo documents it: "Model|seconds|resolution" to the price cell.</summary>
    private static Dictionary<string, string> DocumentedPrices(PowerShellSession session) =>
        session.Run("""
            foreach ($line in (Get-Help about_HighwayHailuo | Out-String -Width 300) -split "`r?`n") {
                $cells = @($line.Trim().Trim('|').Split('|') | ForEach-Object { $_.Trim().Trim('`') })
                if ($cells.Count -eq 6 -and $cells[1] -match '^\d+ s$' -and $cells[0] -like 'Hailuo-*') { '{0}|{1}|{2}={3}' -f $cells[0], ($cells[1] -replace ' s$'), $cells[2], $cells[3] }
            }
            """).ThrowIfFailed().Output.Select(o => o.ToString()!.Split('=')).ToDictionary(p => p[0], p => p[1]);

    /// <summary>A FakeHighway and a session with two photos, a.jpg and b.png.</summary>
    private static async Task<FakeRig> StartWithPhotosAsync()
    {
        var rig = await FakeRig.StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(100) });
        File.Copy(TestImages.Fixture("photo.jpg"), Path.Combine(rig.Session.WorkDir, "a.jpg"));
        File.Copy(TestImages.Fixture("portrait.png"), Path.Combine(rig.Session.WorkDir, "b.png"));
        return rig;
    }

    [Fact]
    public void EveryModelAndFormatHasARowWithFiguresOnlyForHailuo23AndTheHelpShowsTheSameTable()
    {
        using var session = new PowerShellSession();
        var rows = session.Run("Get-HailuoPrice").ThrowIfFailed().Objects<HailuoPriceEstimate>();

        Assert.Equal(DocumentedFormats(session), rows.Select(r => $"{r.Model}|{r.Duration}|{r.Resolution}").Order(StringComparer.Ordinal).ToList());
        Assert.All(rows, r =>
        {
            Assert.Equal(r.Model == "Hailuo-2.3", r.IsKnown); // no figure is invented for the others
            Assert.False(string.IsNullOrWhiteSpace(r.Source));
            if (r.IsKnown)
            {
                Assert.Equal("USD", r.Currency);
                Assert.NotNull(r.AsOf);
                Assert.Contains("section 6", r.Source);
            }
        });
        var documented = DocumentedPrices(session);
        Assert.Equal(rows.Length, documented.Count);
        foreach (var r in rows)
            Assert.Equal(r.IsKnown ? r.EstimatedPrice!.Value.ToString("0.00", CultureInfo.InvariantCulture) + " USD" : "unknown", documented[$"{r.Model}|{r.Duration}|{r.Resolution}"]);
    }

    [Fact]
    public async Task TasksCarryTheirEstimateAndWhatIfTotalsTheBatch()
    {
        await using var rig = await StartWithPhotosAsync();
        var (fake, session) = rig;

        var whatIf = session.Run("Get-ChildItem a.jpg, b.png | New-HailuoVideo -Prompt p -Resolution 1080P -WhatIf");
        string shown = string.Concat(session.Host.PlainText.Where(c => !char.IsWhiteSpace(c)));
        var fast = session.Run("Get-ChildItem a.jpg, b.png | New-HailuoVideo -Prompt p -Model Hailuo-2.3-Fast -WhatIf");
        var tasks = session.Run("Get-ChildItem a.jpg | New-HailuoVideo -Prompt p -Duration 10 | Wait-HailuoTask -PollInterval 0.1").ThrowIfFailed().Objects<HailuoTask>();

        Assert.Contains(whatIf.Information, i => i.Contains("estimated cost about 0.98 USD (from Get-HailuoPrice: an estimate, not a quote)", StringComparison.Ordinal));
        Assert.Equal(2, shown.Split("(estimated0.49USD)").Length - 1); // each item's "What if:" line

        Assert.Contains(fast.Information, i => i.Contains("; estimated cost unknown (Get-HailuoPrice has no figure for them). Nothing was sent.", StringComparison.Ordinal));
        var task = Assert.Single(tasks);
        Assert.Equal(0.56m, task.EstimatedCost);
        Assert.Equal("USD", task.EstimatedCostCurrency);
        Assert.DoesNotContain(fake.Submissions, s => s.Resolution == "1080P");
    }

    [Fact]
    public async Task SetHailuoPriceFromACsvChangesEveryEstimateAndAJournalSumsWithMeasureObject()
    {
        await using var rig = await StartWithPhotosAsync();
        var (fake, session) = rig;

        // Export, fill in a figure for 2.3 Fast, import: the round trip a user makes.
        var set = session.Run("""
            Get-HailuoPrice | Export-Csv prices.csv
            $rows = Import-Csv prices.csv
            ($rows | Where-Object { $_.Model -eq 'Hailuo-2.3-Fast' -and $_.Duration -eq '6' -and $_.Resolution -eq '768P' }).EstimatedPrice = '0.19'
            ($rows | Where-Object { $_.Model -eq 'Hailuo-2.3-Fast' -and $_.Duration -eq '6' -and $_.Resolution -eq '768P' }).Source = 'my invoice, March'
            $rows | Export-Csv prices.csv
            Import-Csv prices.csv | Set-HailuoPrice
            Get-ChildItem a.jpg, b.png | New-HailuoVideo -Prompt p -Model Hailuo-2.3-Fast -Journal run.jsonl | Out-Null
            Get-HailuoTask -Journal run.jsonl | Measure-Object EstimatedCost -Sum | ForEach-Object Sum
            (Get-HailuoPrice Hailuo-2.3-Fast | Where-Object { $_.Duration -eq 6 -and $_.Resolution -eq '768P' }).Source
            """);
        set.ThrowIfFailed();
        Assert.Equal(0.38m, Convert.ToDecimal(set.Output[0].BaseObject, CultureInfo.InvariantCulture));
        Assert.Equal("my invoice, March", set.Output[1].ToString());

        // Piped tasks ask for their model's rows, once however many tasks share it.
        var rows = session.Run("Get-HailuoTask -Journal run.jsonl | Get-HailuoPrice").ThrowIfFailed().Objects<HailuoPriceEstimate>();
        Assert.Equal(3, rows.Length);
        Assert.All(rows, r => Assert.Equal("Hailuo-2.3-Fast", r.Model));

        // Back to the built-in table: 2.3 Fast is unknown again.
        var reset = session.Run("Set-HailuoPrice -Reset; Get-HailuoTask -Journal run.jsonl | ForEach-Object { $null -eq $_.EstimatedCost }").ThrowIfFailed();
        Assert.All(reset.Output, o => Assert.True((bool)o.BaseObject));
    }

    [Theory]
    [InlineData("-Model Hailuo-9 -Duration 6 -Resolution 768P -EstimatedPrice 1", "UnknownModel")]
    [InlineData("-Model Hailuo-02 -Duration 10 -Resolution 1080P -EstimatedPrice 1", "InvalidPrice")]
    [InlineData("-Model Hailuo-02 -Duration 6 -Resolution 768P -EstimatedPrice -0.5", "InvalidPrice")]
    [InlineData("-Model Hailuo-02 -Duration 6 -Resolution 768P -EstimatedPrice 'cheap'", "InvalidPrice")]
    [InlineData("-Model Hailuo-02 -Duration 6 -Resolution 768P -EstimatedPrice '0,25'", "InvalidPrice")]
    [InlineData("-Model Hailuo-02 -Duration 6 -Resolution 768P -EstimatedPrice 1 -Currency dollars", "InvalidPrice")]
    [InlineData("-Model Hailuo-02 -Duration 6 -Resolution 768P -EstimatedPrice 1 -AsOf 'someday'", "InvalidPrice")]
    public void ABadPriceIsRefusedWithItsOwnErrorAndChangesNothing(string arguments, string errorId)
    {
        using var session = new PowerShellSession();
        var before = session.Run("Get-HailuoPrice | ForEach-Object { '{0} {1} {2} {3}' -f $_.Model, $_.Duration, $_.Resolution, $_.EstimatedPrice }").Output.Select(o => o.ToString()).ToList();

        var result = session.Run("Set-HailuoPrice " + arguments);

        var error = Assert.Single(result.Errors);
        Assert.Equal(errorId, error.ErrorId());
        Assert.Equal(ErrorCategory.InvalidArgument, error.CategoryInfo.Category);
        Assert.Equal(before, session.Run("Get-HailuoPrice | ForEach-Object { '{0} {1} {2} {3}' -f $_.Model, $_.Duration, $_.Resolution, $_.EstimatedPrice }").Output.Select(o => o.ToString()).ToList());
    }

    [Fact]
    public void GetHailuoPriceNamesAnUnknownModelAndListsTheOthers()
    {
        using var session = new PowerShellSession();

        var result = session.Run("Get-HailuoPrice hailuo-2.3-fast, Hailuo-9");

        Assert.Equal("UnknownModel", Assert.Single(result.Errors).ErrorId());
        Assert.Equal(3, result.Objects<HailuoPriceEstimate>().Length);
        Assert.All(result.Objects<HailuoPriceEstimate>(), r => Assert.Equal("Hailuo-2.3-Fast", r.Model));
    }

    [Fact]
    public void APriceSetByParametersIsKeptPerSessionAndABlankPriceDropsIt()
    {
        using var session = new PowerShellSession();
        using var other = new PowerShellSession();

        var set = session.Run("Set-HailuoPrice Hailuo-02 6 768P 0.3 -Currency eur -PassThru").ThrowIfFailed().Objects<HailuoPriceEstimate>().Single();
        var elsewhere = other.Run("Get-HailuoPrice Hailuo-02").ThrowIfFailed().Objects<HailuoPriceEstimate>();
        var dropped = session.Run("Set-HailuoPrice Hailuo-02 6 768P '' -PassThru").ThrowIfFailed().Objects<HailuoPriceEstimate>().Single();

        Assert.Equal((0.3m, "EUR", "set with Set-HailuoPrice"), (set.EstimatedPrice!.Value, set.Currency, set.Source));
        Assert.Equal(DateTime.UtcNow.Date, set.AsOf);
        Assert.All(elsewhere, r => Assert.False(r.IsKnown)); // another runspace keeps the built-in table
        Assert.False(dropped.IsKnown);
    }
}
