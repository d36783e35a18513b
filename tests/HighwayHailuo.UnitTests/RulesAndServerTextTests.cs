// The pure pieces behind issue 17's promises, without an engine: the submission rules, the one list
// of names an image arrives under, and what server text becomes before anyone sees it.
using System.Management.Automation;
using System.Reflection;
using HighwayHailuo.Api;
using HighwayHailuo.Commands;
using HighwayHailuo.Errors;
using HighwayHailuo.Hosting;
using HighwayHailuo.Planning;
using Xunit;
using HighwayHailuo.Catalogue;

namespace HighwayHailuo.UnitTests;

public sealed class RulesAndServerTextTests
{
    [Fact]
    public void TheImageNamesAreExactlyTheImageParametersNamesAndAliasesAndATasksSourceImage()
    {
        var names = new[] { nameof(NewHailuoVideoCommand.Path), nameof(NewHailuoVideoCommand.LiteralPath) }
            .SelectMany(p => new[] { p }.Concat(typeof(NewHailuoVideoCommand).GetProperty(p)!.GetCustomAttribute<AliasAttribute>()!.AliasNames))
            .Append(nameof(HailuoTask.SourceImage));

        Assert.Equal(names.OrderBy(n => n), ImageInputNames.All.OrderBy(n => n));
        // -Path reads only its own names (and a task's image); the rest are -LiteralPath's.
        var path = typeof(NewHailuoVideoCommand).GetProperty("Path")!.GetCustomAttribute<AliasAttribute>()!.AliasNames.Append("Path").Append("SourceImage");
        Assert.Equal(path.OrderBy(n => n), ImageInputNames.ForPath.OrderBy(n => n));
    }

    [Theory]
    [InlineData(null, ErrorIds.PromptMissing)]
    [InlineData("", ErrorIds.PromptEmpty)]
    [InlineData("   ", ErrorIds.PromptEmpty)]
    [InlineData("./photos/img003.jpg", ErrorIds.PromptLooksLikePath)]
    [InlineData("b.JPEG", ErrorIds.PromptLooksLikePath)]
    [InlineData(" sunset.webp ", ErrorIds.PromptLooksLikePath)]
    [InlineData("https://images.example.com/a", ErrorIds.PromptLooksLikePath)]
    [InlineData("data:image/png;base64,AAAA", ErrorIds.PromptLooksLikePath)]
    [InlineData("a photo.jpg of the sea", null)]   // words, one of which names a file: a prompt
    [InlineData("sunrise", null)]
    [InlineData("waves [推进]", null)]
    public void APromptIsGivenNotBlankAndNotAnImagesName(string? prompt, string? errorId)
    {
        Assert.Equal(errorId, SubmissionRules.PromptError(prompt)?.ErrorId);
        Assert.Equal(ErrorIds.PromptTooLong, SubmissionRules.PromptError(new string('x', 2001))?.ErrorId);
        Assert.Null(SubmissionRules.PromptError(new string('x', 2000)));
    }

    [Fact]
    public void LengthsResolutionsAndModelsComeFromTheTable()
    {
        Assert.All(HailuoModels.Durations, d => Assert.Null(SubmissionRules.DurationError(d)));
        Assert.Equal(ErrorIds.DurationNotSupported, SubmissionRules.DurationError(7)?.ErrorId);
        Assert.Contains("not a whole number", SubmissionRules.DurationError(SubmissionRules.NotAWholeNumber)!.Message);
        Assert.Null(SubmissionRules.ResolutionError(" 1080p ", out string canonical));
        Assert.Equal("1080P", canonical);
        Assert.Equal(ErrorIds.ResolutionNotSupported, SubmissionRules.ResolutionError("720P", out _)?.ErrorId);
        Assert.Equal(ErrorIds.UnknownModel, SubmissionRules.ModelError("Hailuo-01", false, false, false, out _)?.ErrorId);
        Assert.Equal(ErrorIds.TextOnlyNotSupported, SubmissionRules.ModelError("hailuo-2.3-fast", true, false, false, out _)?.ErrorId);
        Assert.Null(SubmissionRules.ModelError("HAILUO-02", false, true, true, out var endpoint));
        Assert.Equal("minimax-hailuo-02", endpoint!.Name);
    }

    [Fact]
    public void DurationCellsAreReadLeniently()
    {
        var transform = new DurationTransformationAttribute();
        object? T(object? v) => transform.Transform(null!, v);

        Assert.Equal(6, T(""));          // a blank cell: the default
        Assert.Equal(6, T(null));
        Assert.Equal(10, T("10"));
        Assert.Equal(10, T(10L));
        Assert.Equal(10, T(10.0));
        Assert.Equal(7, T(" 7 "));       // refused later, named with its row
        Assert.Equal(SubmissionRules.NotAWholeNumber, T("six"));
        Assert.Equal(SubmissionRules.NotAWholeNumber, T(6.5));
        Assert.Equal(SubmissionRules.NotAWholeNumber, T(new object()));
    }

    [Theory]
    [InlineData("\u001b[2J\u001b]0;pwned\u0007 \u202Eevil", "\\x1B[2J\\x1B]0;pwned\\x07 \\u202Eevil")]
    [InlineData("line one\r\nline two\tend", "line one  line two end")]
    [InlineData("zero\u200bwidth\ufeff", "zero\\u200Bwidth\\uFEFF")]
    [InlineData("an emoji 🎬 stays", "an emoji 🎬 stays")]
    [InlineData("C1 \u009b31m", "C1 \\x9B31m")]
    public void ServerTextIsShownNeverActedOn(string raw, string shown)
    {
        Assert.Equal(shown, ServerText.Clean(raw));
    }

    [Fact]
    public void ALoneSurrogateIsShownAsAnEscape() => // built here: test data would not carry it intact
        Assert.Equal("a lone \\uD800 half", ServerText.Clean("a lone " + (char)0xD800 + " half"));

    [Fact]
    public void ServerTextIsCutShort()
    {
        string shown = ServerText.Clean(new string('7', 40_000))!;

        Assert.Equal(ServerText.MaxLength + 1, shown.Length);
        Assert.EndsWith("…", shown);
    }

    [Theory]
    [InlineData("Bad key hwk_0123456789abcdefghij", "Bad key ***")]
    [InlineData("key 23456789abcdefghij... is bad", "key ***... is bad")]        // cut at the front
    [InlineData("prefix hwk_0123456789ab then", "prefix *** then")]           // cut at the back, 16 of its characters
    [InlineData("hwk_0123456 is not enough", "hwk_0123456 is not enough")]   // 11 characters of it prove nothing
    public void TheKeyAndAnyPieceOfItTwelveLongAreRemoved(string text, string shown)
    {
        Assert.Equal(shown, ServerText.WithoutSecret(text, "hwk_0123456789abcdefghij"));
    }

    [Fact]
    public void AnUnusableIdIsDescribedSafely()
    {
        Assert.Null(TaskIds.Check("abc\nWARNING: fake", out var error));
        Assert.Equal(ErrorIds.InvalidTaskId, error!.ErrorId);
        Assert.DoesNotContain("\n", error.Message);
        string long40k = TaskIds.DescribeUnusable(new string('7', 40_000));
        Assert.Contains("(40,000 characters)", long40k);
        Assert.True(long40k.Length < 200, long40k);
    }
}
