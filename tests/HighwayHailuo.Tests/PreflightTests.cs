// Every bad input is reported with its own ErrorId before anything is sent, and the rest of the
// pipeline carries on.
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class PreflightTests
{
    private const string New = "HighwayHailuo.Commands.NewHailuoVideoCommand";

    // The bytes are made in the test, not here: xunit serialises theory data while it discovers
    // tests, and a 20 MB image in it took minutes and gigabytes before the first test ran.
    public static TheoryData<string, string, string> BadImages => new()
    {
        { "missing.jpg", "none", "ImageNotFound" },
        { "gif-named.jpg", "fixture:anim.gif", "UnsupportedImageFormat" },
        { "text.png", "text", "UnsupportedImageFormat" },
        { "truncated.jpg", "fixture:truncated.jpg", "UnsupportedImageFormat" },
        { "huge.png", "png:1000x1000:20971520", "ImageTooLarge" },
        { "tiny.png", "fixture:tiny.png", "ImageTooSmall" },
        { "short.jpg", "jpeg:1000x300", "ImageTooSmall" },
        { "too-wide.jpg", "jpeg:1260x500", "ImageAspectRatioOutOfRange" },
        { "too-tall.webp", "webp:400x1001", "ImageAspectRatioOutOfRange" },
        { "ftp://images.example/a.jpg", "none", "InvalidImageUri" },
    };

    private static byte[] Make(string recipe)
    {
        string[] part = recipe.Split(':');
        int Side(int i) => int.Parse(part[1].Split('x')[i], System.Globalization.CultureInfo.InvariantCulture);
        return part[0] switch
        {
            "none" => Array.Empty<byte>(),
            "text" => "not an image at all"u8.ToArray(),
            "fixture" => File.ReadAllBytes(TestImages.Fixture(part[1])),
            "png" => TestImages.Png(Side(0), Side(1), padTo: long.Parse(part[2], System.Globalization.CultureInfo.InvariantCulture)),
            "jpeg" => TestImages.Jpeg(Side(0), Side(1)),
            "webp" => TestImages.WebP(Side(0), Side(1)),
            _ => throw new ArgumentException(recipe),
        };
    }

    [Theory]
    [MemberData(nameof(BadImages))]
    public async Task BadImageIsReportedAndTheNextImageStillGoes(string name, string recipe, string errorId)
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        byte[] bytes = Make(recipe);
        if (bytes.Length > 0)
            TestImages.Write(session.WorkDir, name, bytes);
        TestImages.Write(session.WorkDir, "good.png", TestImages.Png(400, 320));

        var result = session.Run("$args[0], 'good.png' | New-HailuoVideo -Prompt 'p'", name);

        Assert.Null(result.Terminating);
        var error = Assert.Single(result.Errors);
        Assert.Equal(errorId + "," + New, error.FullyQualifiedErrorId);
        Assert.Equal(name, error.TargetObject);
        Assert.Contains(name, error.Exception.Message);
        Assert.Single(result.Objects<HailuoTask>());
        Assert.Single(fake.Submissions); // only good.png was sent
        Assert.Equal(1, fake.SubmitRequestCount);
    }

    [Fact]
    public async Task BoundaryImagesAreAccepted()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        // Shorter side 301 px, ratios exactly 2:5 and 5:2, and 1 byte under 20 MiB.
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(301, 301));
        TestImages.Write(session.WorkDir, "b.jpg", TestImages.Jpeg(1250, 500));
        TestImages.Write(session.WorkDir, "c.webp", TestImages.WebP(400, 1000));
        TestImages.Write(session.WorkDir, "d.png", TestImages.Png(640, 480, padTo: 20L * 1024 * 1024 - 1));

        var result = session.Run("'a.png','b.jpg','c.webp','d.png' | New-HailuoVideo -Prompt 'p'");

        result.ThrowIfFailed();
        Assert.Equal(4, fake.Submissions.Count);
    }

    [Fact]
    public async Task FormatIsDecidedByBytesNotByName()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        File.Copy(TestImages.Fixture("photo.jpg"), Path.Combine(session.WorkDir, "really-a-jpeg.png"));

        session.Run("New-HailuoVideo really-a-jpeg.png -Prompt 'p'").ThrowIfFailed();

        Assert.Equal("image/jpeg", Assert.Single(fake.Submissions).ImageMime);
    }

    [Fact]
    public async Task ChecksRunInTheDocumentedOrder()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        // Too small AND a bad aspect ratio AND 10 s at 1080P: the size check comes first.
        TestImages.Write(session.WorkDir, "small-wide.png", TestImages.Png(900, 200));
        // A good image with a bad duration/resolution pair from its row.
        TestImages.Write(session.WorkDir, "ok.png", TestImages.Png(400, 400));

        // CSV rows, as Import-Csv or ConvertFrom-Csv give them (every value a string).
        var result = session.Run("""
            @'
            Path,Prompt,Duration,Resolution
            small-wide.png,p,10,1080P
            ok.png,p,10,1080P
            ok.png,p,10,768P
            '@ | ConvertFrom-Csv | New-HailuoVideo
            """);

        Assert.Null(result.Terminating);
        Assert.Equal(new[] { "ImageTooSmall," + New, "DurationResolutionMismatch," + New }, result.ErrorIds);
        Assert.Single(fake.Submissions);
    }

    [Fact]
    public async Task TenSecondsAt1080POnTheCommandLineStopsBeforeAnyInputIsRead()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;

        var result = session.Run("'does-not-exist.jpg' | New-HailuoVideo -Prompt 'p' -Duration 10 -Resolution 1080P");

        Assert.Equal("DurationResolutionMismatch," + New, result.Terminating?.FullyQualifiedErrorId);
        Assert.Empty(result.Errors); // the missing file was never looked at
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task PromptLimits()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "ok.png", TestImages.Png(400, 400));

        var longOnCommandLine = session.Run("New-HailuoVideo ok.png -Prompt ('x' * 2001)");
        var perRow = session.Run("""
            [pscustomobject]@{ Path = 'ok.png'; Prompt = ('y' * 2001) },
            [pscustomobject]@{ Path = 'ok.png'; Prompt = ('z' * 2000) } | New-HailuoVideo
            """);
        var empty = session.Run("New-HailuoVideo ok.png -Prompt ''");

        Assert.Equal("PromptTooLong," + New, longOnCommandLine.Terminating?.FullyQualifiedErrorId);
        Assert.Equal(new[] { "PromptTooLong," + New }, perRow.ErrorIds);
        Assert.Equal("PromptEmpty," + New, empty.Terminating?.FullyQualifiedErrorId);
        Assert.Equal(2000, Assert.Single(fake.Submissions).Prompt.Length);
    }

    [Theory]
    [InlineData("ftp://example.com/a.jpg")]
    [InlineData("file:///tmp/a.jpg")]
    [InlineData("data:image/png;base64,iVBORw0KGgo=")]
    [InlineData("https://")]
    public async Task OnlyHttpAndHttpsUrlsAreAccepted(string uri)
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;

        var result = session.Run("New-HailuoVideo -Path $args[0] -Prompt 'p'", uri);

        Assert.Equal(new[] { "InvalidImageUri," + New }, result.ErrorIds);
        Assert.Equal(uri, result.Errors[0].TargetObject);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task BadParameterValuesOnTheCommandLineStopTheCallBeforeAnythingIsSent()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        TestImages.Write(session.WorkDir, "ok.png", TestImages.Png(400, 400));

        var duration = session.Run("New-HailuoVideo ok.png -Prompt p -Duration 8");
        var resolution = session.Run("New-HailuoVideo ok.png -Prompt p -Resolution 720P");
        var throttle = session.Run("New-HailuoVideo ok.png -Prompt p -ThrottleLimit 0");

        // The module's own checks (the model table's lengths and resolutions), so a CSV row with the
        // same value is refused against its row; -ThrottleLimit is the binder's alone.
        Assert.Equal("DurationNotSupported," + New, duration.Terminating?.FullyQualifiedErrorId);
        Assert.Equal("ResolutionNotSupported," + New, resolution.Terminating?.FullyQualifiedErrorId);
        Assert.Equal("ParameterArgumentValidationError," + New, throttle.Terminating?.FullyQualifiedErrorId);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task AFolderAndANonFileSystemPathAreNotImages()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        Directory.CreateDirectory(Path.Combine(session.WorkDir, "folder.jpg"));

        var result = session.Run("'folder.jpg', 'Env:\\PATH', 'nomatch*.jpg' | New-HailuoVideo -Prompt 'p'");

        Assert.Equal(3, result.Errors.Count);
        Assert.All(result.Errors, e => Assert.Equal("ImageNotFound," + New, e.FullyQualifiedErrorId));
        Assert.Contains("folder", result.Errors[0].Exception.Message);
        Assert.Empty(fake.Requests);
    }
}
