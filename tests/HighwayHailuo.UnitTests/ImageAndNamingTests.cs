// Image headers (cross-checked with MetadataExtractor), file naming and base URIs.
using HighwayHailuo.Api;
using HighwayHailuo.Images;
using HighwayHailuo.Saving;
using HighwayHailuo.Tests;
using MetadataExtractor;
using MetadataExtractor.Formats.Jpeg;
using MetadataExtractor.Formats.Png;
using MetadataExtractor.Formats.WebP;
using Xunit;
using HighwayHailuo.Errors;

namespace HighwayHailuo.UnitTests;

public sealed class ImageAndNamingTests
{
    [Theory]
    [InlineData("photo.jpg", "Jpeg")]
    [InlineData("progressive.jpg", "Jpeg")]
    [InlineData("comment.jpg", "Jpeg")]
    [InlineData("wide.jpg", "Jpeg")]
    [InlineData("portrait.png", "Png")]
    [InlineData("tiny.png", "Png")]
    [InlineData("lossy.webp", "WebP")]
    [InlineData("lossless.webp", "WebP")]
    [InlineData("alpha.webp", "WebP")]
    public void HeadersOfRealEncodersAgreeWithMetadataExtractor(string fixture, string format)
    {
        string path = TestImages.Fixture(fixture);
        using var stream = File.OpenRead(path);
        var header = ImageHeaderReader.Read(stream)!.Value;

        var (width, height) = Independent(path);
        Assert.Equal(format, header.Format.ToString());
        Assert.Equal((width, height), (header.Width, header.Height));
    }

    // A journaled image is checked and hashed in one opening of the file: every fixture (good or
    // refused) must give the same outcome both ways, and the shared opening the file's own hash.
    public static TheoryData<string> EveryFixture()
    {
        var data = new TheoryData<string>();
        foreach (var file in System.IO.Directory.GetFiles(TestImages.FixturesFolder).OrderBy(f => f, StringComparer.Ordinal))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(EveryFixture))]
    public void CheckingWithTheHashGivesTheSameOutcomeAndTheFilesHash(string fixture)
    {
        string path = TestImages.Fixture(fixture);
        static object Outcome(Func<LocalImage> inspect)
        {
            try
            {
                var image = inspect();
                return (image.Format, image.Width, image.Height, image.Length);
            }
            catch (HailuoException ex)
            {
                return ex.ErrorId;
            }
        }

        Assert.Equal(Outcome(() => LocalImage.Inspect(path)), Outcome(() => LocalImage.Inspect(path, hashContent: true)));
        if (Outcome(() => LocalImage.Inspect(path)) is not string)
            Assert.Equal(TestImages.Sha256OfFile(path), LocalImage.Inspect(path, hashContent: true).ContentSha256, ignoreCase: true);
    }

    [Fact]
    public void AJpegWithALargeSegmentBeforeTheFrameIsRead()
    {
        var bytes = TestImages.Jpeg(1234, 567, appSegmentBytes: 60_000, progressive: true);
        var header = ImageHeaderReader.Read(new MemoryStream(bytes))!.Value;
        Assert.Equal((ImageFormat.Jpeg, 1234, 567), (header.Format, header.Width, header.Height));
    }

    [Fact]
    public void UnsupportedAndBrokenFilesAreToldApart()
    {
        Assert.Null(ImageHeaderReader.Read(File.OpenRead(TestImages.Fixture("anim.gif"))));
        Assert.Null(ImageHeaderReader.Read(new MemoryStream(new byte[] { 1, 2, 3 })));
        Assert.Throws<InvalidDataException>(() => ImageHeaderReader.Read(File.OpenRead(TestImages.Fixture("truncated.jpg"))));
        Assert.Throws<InvalidDataException>(() => ImageHeaderReader.Read(new MemoryStream(TestImages.Png(400, 400)[..20])));
    }

    [Theory]
    [InlineData("mp4", "mp4")]
    [InlineData("MOV", "mov")]
    [InlineData(".webm", "webm")]
    [InlineData("../../x", "mp4")]
    [InlineData("toolong", "mp4")]
    [InlineData("", "mp4")]
    [InlineData(null, "mp4")]
    [InlineData("m p4", "mp4")]
    public void ExtensionsFromTheServerAreMadeSafe(string? videoType, string expected) =>
        Assert.Equal(expected, VideoFileNamer.SafeExtension(videoType));

    [Fact]
    public void NamesFollowTheSourceImageAndCollisionsGetTheTaskIdPrefix()
    {
        string folder = Path.Combine(Path.GetTempPath(), "namer");
        var namer = new VideoFileNamer(folder);
        HailuoTask Task(string id, string? source, string? type = "mp4") =>
            TestTask.Create(id, source, type);

        Assert.Equal(Path.Combine(folder, "sunset.mp4"), namer.Reserve(Task("abcdefghijk", "/photos/sunset.jpg")));
        Assert.Equal(Path.Combine(folder, "sunset-12345678.mp4"), namer.Reserve(Task("123456789xyz", "/other/sunset.png")));
        Assert.Equal(Path.Combine(folder, "SUNSET-zz.mp4"), namer.Reserve(Task("zz", @"C:\pics\SUNSET.JPG")));
        Assert.Equal(Path.Combine(folder, "cat.mp4"), namer.Reserve(Task("t1", "https://img.test/a/cat.jpeg?size=2")));
        Assert.Equal(Path.Combine(folder, "task_.._evil.mp4"), namer.Reserve(Task("task/../evil", null)));
        Assert.Equal(Path.Combine(folder, "video.mp4"), namer.Reserve(Task("...", "https://img.test/")));
    }

    [Theory]
    [InlineData("https://api.highwayapi.ai", "https://api.highwayapi.ai/")]
    [InlineData("https://proxy.example.com/highway", "https://proxy.example.com/highway/")]
    [InlineData("http://127.0.0.1:5080", "http://127.0.0.1:5080/")]
    [InlineData("http://localhost:5080/", "http://localhost:5080/")]
    [InlineData("http://[::1]:5080/", "http://[::1]:5080/")]
    public void SafeBaseUrisAreNormalised(string input, string expected) =>
        Assert.Equal(expected, HighwayConnection.ValidateBaseUri(input, "test").ToString());

    [Theory]
    [InlineData("http://api.highwayapi.ai")]
    [InlineData("http://10.0.0.5:5080")]
    [InlineData("ftp://127.0.0.1")]
    [InlineData("https://api.test/?key=1")]
    [InlineData("https://user:pw@api.test/")]
    [InlineData("relative/path")]
    public void UnsafeBaseUrisAreRefused(string input) =>
        Assert.Equal(ErrorIds.InvalidBaseUri, Assert.Throws<HailuoException>(() => HighwayConnection.ValidateBaseUri(input, "test")).ErrorId);

    [Theory]
    [InlineData("https://hh-secret-1@api.test/", "hh-secret-1")]
    [InlineData("http://user:hh-secret-2@10.0.0.1/", "hh-secret-2")]
    [InlineData("https://api.test/?key=hh-secret-3", "hh-secret-3")]
    public void ARefusedBaseUriNeverEchoesItsSecrets(string input, string secret)
    {
        var error = Assert.Throws<HailuoException>(() => HighwayConnection.ValidateBaseUri(input, "test"));
        Assert.DoesNotContain(secret, error.Message);
        Assert.Contains("The base URI from test (", error.Message); // still says which URI was refused
    }

    private static (int Width, int Height) Independent(string path)
    {
        var directories = ImageMetadataReader.ReadMetadata(path);
        if (directories.OfType<JpegDirectory>().FirstOrDefault() is { } jpeg)
            return (jpeg.GetImageWidth(), jpeg.GetImageHeight());
        if (directories.OfType<PngDirectory>().FirstOrDefault() is { } png)
            return (png.GetInt32(PngDirectory.TagImageWidth), png.GetInt32(PngDirectory.TagImageHeight));
        var webp = directories.OfType<WebPDirectory>().First();
        return (webp.GetInt32(WebPDirectory.TagImageWidth), webp.GetInt32(WebPDirectory.TagImageHeight));
    }
}
