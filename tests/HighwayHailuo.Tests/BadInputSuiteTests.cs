// Bad inputs of every kind: files, paths, prompts, parameters, URIs, task ids and journals. Each
// gets its own ErrorId and category, and not one request reaches the server.
using System.Management.Automation;
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class BadInputSuiteTests
{
    public static TheoryData<string, string, string> Cases => new()
    {
        // Files and paths.
        { "missing file", "New-HailuoVideo nope.png -Prompt p", "ImageNotFound" },
        { "a folder", "New-HailuoVideo sub -Prompt p", "ImageNotFound" },
        { "wildcard matching nothing", "New-HailuoVideo 'zz*.png' -Prompt p", "ImageNotFound" },
        { "literal path with brackets that does not exist", "New-HailuoVideo -LiteralPath 'a[1].png' -Prompt p", "ImageNotFound" },
        { "a non-file-system path", "New-HailuoVideo 'Env:PATH' -Prompt p", "ImageNotFound" },
        { "text named .png", "New-HailuoVideo text.png -Prompt p", "UnsupportedImageFormat" },
        { "an animated GIF", "New-HailuoVideo anim.gif -Prompt p", "UnsupportedImageFormat" },
        { "a BMP", "New-HailuoVideo image.bmp -Prompt p", "UnsupportedImageFormat" },
        { "an empty file", "New-HailuoVideo empty.jpg -Prompt p", "UnsupportedImageFormat" },
        { "a truncated JPEG", "New-HailuoVideo truncated.jpg -Prompt p", "UnsupportedImageFormat" },
        { "too small", "New-HailuoVideo tiny.png -Prompt p", "ImageTooSmall" },
        { "too wide", "New-HailuoVideo panorama.jpg -Prompt p", "ImageAspectRatioOutOfRange" },
        { "over 20 MB", "New-HailuoVideo huge.png -Prompt p", "ImageTooLarge" },
        // Prompts and parameters.
        { "empty prompt", "New-HailuoVideo ok.png -Prompt ''", "PromptEmpty" },
        { "no prompt", "New-HailuoVideo ok.png", "PromptMissing" },
        { "a positional path and no prompt", "New-HailuoVideo ./ok.png -Model Hailuo-02", "PromptMissing" },
        { "two positional paths", "New-HailuoVideo ok.png ok.png", "PositionalParameterNotFound" },
        { "an image path as the prompt", "New-HailuoVideo ok.png -Prompt other.jpg", "PromptLooksLikePath" },
        { "an image path piped as a text prompt", "'ok.png' | New-HailuoVideo -TextOnly", "PromptLooksLikePath" },
        { "no image", "New-HailuoVideo -Prompt p", "ImageMissing" },
        { "a row with no image column", "[pscustomobject]@{ Prompt = 'p' } | New-HailuoVideo", "ImageMissing" },
        { "a row with no prompt", "[pscustomobject]@{ Path = 'ok.png' } | New-HailuoVideo", "PromptMissing" },
        { "duration not a number in a row", "[pscustomobject]@{ Path = 'ok.png'; Prompt = 'p'; Duration = 'six' } | New-HailuoVideo", "DurationNotSupported" },
        { "duration 7 in a row", "[pscustomobject]@{ Path = 'ok.png'; Prompt = 'p'; Duration = 7 } | New-HailuoVideo", "DurationNotSupported" },
        { "unknown model in a row", "[pscustomobject]@{ Path = 'ok.png'; Prompt = 'p'; Model = 'Hailuo-01' } | New-HailuoVideo", "UnknownModel" },
        { "resolution 4K in a row", "[pscustomobject]@{ Path = 'ok.png'; Prompt = 'p'; Resolution = '4K' } | New-HailuoVideo", "ResolutionNotSupported" },
        { "prompt over 2000 characters", "New-HailuoVideo ok.png -Prompt ('x' * 2001)", "PromptTooLong" },
        { "prompt over 2000 characters from a row", "[pscustomobject]@{ Path = 'ok.png'; Prompt = 'y' * 2001 } | New-HailuoVideo", "PromptTooLong" },
        { "duration 8", "New-HailuoVideo ok.png -Prompt p -Duration 8", "DurationNotSupported" },
        { "duration not a number", "New-HailuoVideo ok.png -Prompt p -Duration 6.5", "DurationNotSupported" },
        { "resolution 720P", "New-HailuoVideo ok.png -Prompt p -Resolution 720P", "ResolutionNotSupported" },
        { "unknown model", "New-HailuoVideo ok.png -Prompt p -Model Hailuo-01", "UnknownModel" },
        { "10 s at 1080P", "New-HailuoVideo ok.png -Prompt p -Duration 10 -Resolution 1080P", "DurationResolutionMismatch" },
        { "10 s at 1080P from a row", "[pscustomobject]@{ Path = 'ok.png'; Prompt = 'p'; Duration = 10; Resolution = '1080P' } | New-HailuoVideo", "DurationResolutionMismatch" },
        { "throttle limit 0", "New-HailuoVideo ok.png -Prompt p -ThrottleLimit 0", "ParameterArgumentValidationError" },
        { "timeout 0", "New-HailuoVideo ok.png -Prompt p -TimeoutSec 0", "ParameterArgumentValidationError" },
        { "poll interval 0", "Wait-HailuoTask -TaskId task-1 -PollInterval 0", "ParameterArgumentValidationError" },
        // URIs.
        { "ftp image URL", "New-HailuoVideo 'ftp://example.com/a.jpg' -Prompt p", "InvalidImageUri" },
        { "file image URL", "New-HailuoVideo 'file:///etc/passwd' -Prompt p", "InvalidImageUri" },
        { "plain http base URI to a remote host", "New-HailuoVideo ok.png -Prompt p -BaseUri 'http://api.example.com/'", "InvalidBaseUri" },
        { "base URI with a user and password", "New-HailuoVideo ok.png -Prompt p -BaseUri 'https://user:secret@api.example.com/'", "InvalidBaseUri" },
        { "base URI with a query", "New-HailuoVideo ok.png -Prompt p -BaseUri 'https://api.example.com/?key=abc'", "InvalidBaseUri" },
        { "relative base URI", "Get-HailuoTask -TaskId task-1 -BaseUri 'api/v3'", "InvalidBaseUri" },
        // Task ids.
        { "empty task id", "Get-HailuoTask -TaskId ''", "ParameterArgumentValidationErrorEmptyStringNotAllowed" },
        { "task id with a slash", "Get-HailuoTask -TaskId 'a/b'", "InvalidTaskId" },
        { "task id with a space", "Wait-HailuoTask -TaskId 'a b'", "InvalidTaskId" },
        { "task id walking up", "Save-HailuoVideo -TaskId '../x' -Destination out", "InvalidTaskId" },
        { "task id of 300 characters", "Get-HailuoTask -TaskId ('t' * 300)", "InvalidTaskId" },
        // Destinations and journals.
        { "destination that is a file", "Save-HailuoVideo -TaskId task-1 -Destination text.png", "DestinationInvalid" },
        { "journal that is not a journal", "New-HailuoVideo ok.png -Prompt p -Journal text.png", "JournalInvalid" },
        { "journal that is missing for Get", "Get-HailuoTask -Journal missing.jsonl", "JournalNotFound" },
        { "journal in a missing folder", "New-HailuoVideo ok.png -Prompt p -Journal 'nowhere/run.jsonl'", "JournalWriteFailed" },
        { "journal that is a folder", "New-HailuoVideo ok.png -Prompt p -Journal sub", "JournalWriteFailed" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task EachBadInputHasItsErrorIdAndSendsNothing(string name, string script, string errorId)
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        string dir = session.WorkDir;
        Directory.CreateDirectory(Path.Combine(dir, "sub"));
        TestImages.Write(dir, "ok.png", TestImages.Png(400, 320));
        File.WriteAllText(Path.Combine(dir, "text.png"), "this is not an image");
        File.WriteAllBytes(Path.Combine(dir, "image.bmp"), new byte[] { 0x42, 0x4D, 0x3E, 0, 0, 0, 0, 0, 0, 0, 0x3E, 0, 0, 0, 0x28, 0, 0, 0 });
        File.WriteAllBytes(Path.Combine(dir, "empty.jpg"), Array.Empty<byte>());
        TestImages.Write(dir, "huge.png", TestImages.Png(400, 320, padTo: 20L * 1024 * 1024 + 1));
        foreach (var fixture in new[] { "anim.gif", "truncated.jpg", "tiny.png", "panorama.jpg" })
            File.Copy(TestImages.Fixture(fixture), Path.Combine(dir, fixture));

        var result = session.Run(script);

        var error = result.Terminating ?? Assert.Single(result.Errors);
        Assert.True(error.ErrorId() == errorId, $"{name}: expected {errorId}, got {error.FullyQualifiedErrorId}: {error.Exception.Message}");
        Assert.NotEqual(ErrorCategory.NotSpecified, error.CategoryInfo.Category);
        Assert.False(string.IsNullOrWhiteSpace(error.Exception.Message));
        Assert.Empty(fake.Requests);
        Assert.Empty(result.Objects<object>());
    }

    [Fact]
    public void TheSuiteHasAtLeastThirtyCases() => Assert.True(Cases.Count >= 30, $"{Cases.Count} cases");
}
