// Export-HailuoReview through the engine, without a browser (ReviewPageBrowserTests opens the page):
// what it takes from the pipeline, how it links a task to its saved video, that the page holds no
// raw text from the user or the server, and every way it refuses (ErrorId and category) without
// leaving a file behind.
using System.Management.Automation;
using System.Text.RegularExpressions;
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class ExportHailuoReviewTests
{
    private static async Task<FakeRig> StartAsync()
    {
        var rig = await FakeRig.StartAsync(new FakeHighwayOptions { QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(100) });
        File.Copy(TestImages.Fixture("photo.jpg"), Path.Combine(rig.Session.WorkDir, "a.jpg"));
        File.Copy(TestImages.Fixture("portrait.png"), Path.Combine(rig.Session.WorkDir, "b.png"));
        return rig;
    }

    /// <summary>The page's data block, as the page's script reads it.</summary>
    private static string DataBlock(string html) =>
        Regex.Match(html, "<script id=\"review-data\" type=\"application/json\">(.*?)</script>", RegexOptions.Singleline).Groups[1].Value;

    [Fact]
    public async Task SavedFilesCarryTheirTaskIdAndATaskAndItsVideoMakeOneCard()
    {
        await using var rig = await StartAsync();
        var (fake, session) = rig;

        var result = session.Run("""
            $tasks = @(Get-ChildItem a.jpg, b.png | New-HailuoVideo -Prompt 'p' | Wait-HailuoTask -PollInterval 0.1)
            $saved = @($tasks | Save-HailuoVideo -Destination ./videos)
            $saved | ForEach-Object TaskId
            $tasks + $saved | Export-HailuoReview ./review.html -PassThru
            """);

        result.ThrowIfFailed();
        var ids = fake.Submissions.Select(s => s.TaskId!).Order().ToList();
        Assert.Equal(ids, result.Output.Take(2).Select(o => o.ToString()).Order().ToList());
        var page = result.Output.Last();
        Assert.Equal(Path.Combine(session.WorkDir, "review.html"), ((FileInfo)page.BaseObject).FullName);
        Assert.NotNull(page.Properties["PSPath"]); // Invoke-Item takes it from the pipeline
        string data = DataBlock(File.ReadAllText(Path.Combine(session.WorkDir, "review.html")));
        Assert.Equal(2, Regex.Matches(data, "\"taskId\":").Count);
        Assert.Equal(2, Regex.Matches(data, "\"video\":\"videos/").Count);
        Assert.Contains("\"sourceImage\":\"a.jpg\"", data);
        Assert.Contains("\"estimatedCost\":0.28", data);
    }

    [Fact]
    public async Task ATaskWhoseVideoThisSessionSavedFindsItWithoutTheFile()
    {
        await using var rig = await StartAsync();
        var (_, session) = rig;

        session.Run("Get-ChildItem a.jpg | New-HailuoVideo -Prompt p | Wait-HailuoTask -PollInterval 0.1 | Save-HailuoVideo -Destination ./videos | Out-Null").ThrowIfFailed();
        session.Run("Get-HailuoTask | Export-HailuoReview ./review.html").ThrowIfFailed();

        Assert.Contains("\"video\":\"videos/a.mp4\"", DataBlock(File.ReadAllText(Path.Combine(session.WorkDir, "review.html"))));

        // -InputObject with the whole list, as Export-Csv users write it, makes the same page.
        session.Run("Export-HailuoReview ./again.html -InputObject @(Get-HailuoTask)").ThrowIfFailed();
        Assert.Contains("\"video\":\"videos/a.mp4\"", DataBlock(File.ReadAllText(Path.Combine(session.WorkDir, "again.html"))));
    }

    [Fact]
    public async Task TextFromTheUserOrTheServerNeverAppearsRawInThePage()
    {
        await using var rig = await FakeRig.StartAsync(new FakeHighwayOptions
        {
            QueuedFor = TimeSpan.Zero, ProcessingFor = TimeSpan.FromMilliseconds(100),
            FailWhen = _ => "</script><script>alert(1)</script>&amp;",
        });
        var (_, session) = rig;
        File.Copy(TestImages.Fixture("photo.jpg"), Path.Combine(session.WorkDir, "a.jpg"));

        session.Run("""
            New-HailuoVideo a.jpg -Prompt '</script><img src=x onerror=alert(1)> & "q"' | Out-Null
            Get-HailuoTask | Wait-HailuoTask -PollInterval 0.1 -ErrorAction SilentlyContinue | Out-Null
            Get-HailuoTask | Export-HailuoReview ./review.html
            """);

        string html = File.ReadAllText(Path.Combine(session.WorkDir, "review.html"));
        string data = DataBlock(html);
        Assert.DoesNotContain("<", data);
        Assert.DoesNotContain(">", data);
        Assert.DoesNotContain("&", data);
        Assert.Contains("\\u003C/script\\u003E", data, StringComparison.OrdinalIgnoreCase);
        Assert.Equal(2, Regex.Matches(html, "<script").Count); // the data block and the page's own script, nothing more
    }

    [Fact]
    public async Task WhatIfWritesNothingAndNoClobberKeepsAnExistingPage()
    {
        await using var rig = await StartAsync();
        var (_, session) = rig;
        session.Run("Get-ChildItem a.jpg | New-HailuoVideo -Prompt p | Out-Null").ThrowIfFailed();
        File.WriteAllText(Path.Combine(session.WorkDir, "kept.html"), "mine");

        var whatIf = session.Run("Get-HailuoTask | Export-HailuoReview ./new.html -WhatIf");
        var clobber = session.Run("Get-HailuoTask | Export-HailuoReview ./kept.html -NoClobber");

        whatIf.ThrowIfFailed();
        Assert.False(File.Exists(Path.Combine(session.WorkDir, "new.html")));
        Assert.Equal("ReviewFileExists", clobber.Terminating?.ErrorId());
        Assert.Equal(ErrorCategory.ResourceExists, clobber.Terminating!.CategoryInfo.Category);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(session.WorkDir, "kept.html")));
        Assert.Empty(Directory.GetFiles(session.WorkDir, "*.partial"));
    }

    [Theory]
    [InlineData("'not a task' | Export-HailuoReview ./r.html", "ReviewInputInvalid", ErrorCategory.InvalidArgument, false)]
    [InlineData("Get-Item a.jpg | Export-HailuoReview ./r.html", "ReviewInputInvalid", ErrorCategory.InvalidArgument, false)]
    [InlineData("Get-HailuoTask | Export-HailuoReview ./no/such/folder/r.html", "ReviewWriteFailed", ErrorCategory.WriteError, true)]
    public async Task EachRefusalHasItsOwnErrorIdAndTheRestGoesOn(string script, string errorId, ErrorCategory category, bool terminating)
    {
        await using var rig = await StartAsync();
        var (_, session) = rig;
        session.Run("Get-ChildItem a.jpg | New-HailuoVideo -Prompt p | Out-Null").ThrowIfFailed();

        var result = session.Run(script);

        var error = terminating ? result.Terminating : Assert.Single(result.Errors);
        Assert.NotNull(error);
        Assert.Equal(errorId, error!.ErrorId());
        Assert.Equal(category, error.CategoryInfo.Category);
        // A refused item does not stop the page: it is written with the rest (here, with no cards).
        Assert.Equal(!terminating, File.Exists(Path.Combine(session.WorkDir, "r.html")));
    }
}
