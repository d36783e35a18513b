// Tolerant reading of task-result, and the streamed submission body.
using System.Text;
using System.Text.Json;
using HighwayHailuo.Api;
using HighwayHailuo.Images;
using HighwayHailuo.Tests;
using Xunit;
using HighwayHailuo.Errors;
using HighwayHailuo.Catalogue;

namespace HighwayHailuo.UnitTests;

public sealed class ParsingAndContentTests
{
    private static ServerTaskState Parse(string json) => TaskResultParser.Parse(Encoding.UTF8.GetBytes(json), "asked");

    [Fact]
    public void TheDocumentedAnswerIsReadInFull()
    {
        var state = Parse("""
            {"task":{"task_id":"t1","task_type":"x","status":"TASK_STATUS_SUCCEED","reason":"","eta":0,"progress_percent":100},
             "videos":[{"video_url":"https://cdn.test/v.mp4?sig=1","video_url_ttl":"3600","video_type":"mp4"}],
             "images":[],"audios":[],
             "extra":{"seed":"123","debug_info":{"request_info":"r","submit_time_ms":"1710000000000","execute_time_ms":"1710000001000","complete_time_ms":"1710000009000"}}}
            """);
        Assert.Equal(HailuoTaskStatus.Succeeded, state.Status);
        Assert.Null(state.Reason);
        Assert.Equal(100, state.ProgressPercent);
        Assert.Equal(new Uri("https://cdn.test/v.mp4?sig=1"), state.VideoUrl);
        Assert.Equal(3600, state.VideoUrlTtlSeconds);
        Assert.Equal("mp4", state.VideoType);
        Assert.Equal("123", state.Seed);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1710000000000), state.SubmittedAt);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1710000009000), state.CompletedAt);
    }

    [Fact]
    public void NumbersAndStringsAreBothAcceptedAndUnknownsIgnored()
    {
        var state = Parse("""
            {"task":{"status":"TASK_STATUS_PROCESSING","eta":"12","progress_percent":"35.4","new_thing":{"a":[1,2]}},
             "videos":[{"video_url":"ftp://bad"},{"video_url":"https://ok.test/v","video_url_ttl":1800}],
             "extra":{"seed":987654321,"debug_info":{"submit_time_ms":1710000000000,"complete_time_ms":null}},
             "unexpected":true}
            """);
        Assert.Equal(12, state.EtaSeconds);
        Assert.Equal(35, state.ProgressPercent);
        Assert.Equal(new Uri("https://ok.test/v"), state.VideoUrl);
        Assert.Equal(1800, state.VideoUrlTtlSeconds);
        Assert.Equal("987654321", state.Seed);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(1710000000000), state.SubmittedAt);
        Assert.Null(state.CompletedAt);
    }

    [Theory]
    [InlineData("TASK_STATUS_QUEUED", HailuoTaskStatus.Queued)]
    [InlineData("TASK_STATUS_PROCESSING", HailuoTaskStatus.Processing)]
    [InlineData("TASK_STATUS_SUCCEED", HailuoTaskStatus.Succeeded)]
    [InlineData("TASK_STATUS_FAILED", HailuoTaskStatus.Failed)]
    [InlineData("TASK_STATUS_UNKNOWN", HailuoTaskStatus.Unknown)]
    [InlineData("SOMETHING_NEW", HailuoTaskStatus.Unknown)]
    public void StatusesMap(string raw, HailuoTaskStatus expected) =>
        Assert.Equal(expected, Parse("{\"task\":{\"status\":\"" + raw + "\"}}").Status);

    [Theory]
    [InlineData("")]
    [InlineData("<html><body>502 Bad Gateway</body></html>")]
    [InlineData("[]")]
    [InlineData("""{"task":"queued"}""")]
    [InlineData("""{"videos":[]}""")]
    public void AnythingElseIsHailuoResponseInvalid(string body)
    {
        var error = Assert.Throws<HailuoException>(() => Parse(body));
        Assert.Equal(ErrorIds.HailuoResponseInvalid, error.ErrorId);
    }

    [Fact]
    public void ProgressIsClampedToPercent() =>
        Assert.Equal(100, Parse("""{"task":{"status":"TASK_STATUS_PROCESSING","progress_percent":150}}""").ProgressPercent);

    [Fact]
    public void ErrorBodiesAreReadAsJsonOrShortPlainText()
    {
        HighwayClient.ParseErrorBody(Encoding.UTF8.GetBytes("""{"code":400,"reason":"INVALID_IMAGE_SIZE","message":"too big","metadata":{}}"""), out var reason, out var message);
        Assert.Equal(("INVALID_IMAGE_SIZE", "too big"), (reason, message));
        HighwayClient.ParseErrorBody(Encoding.UTF8.GetBytes("upstream\nconnect error"), out reason, out message);
        Assert.Equal((null, "upstream connect error"), (reason, message));
        HighwayClient.ParseErrorBody(Encoding.UTF8.GetBytes("<html>nope</html>"), out reason, out message);
        Assert.Equal((null, null), (reason, message));
    }

    public static TheoryData<long> BodySizes => new()
    {
        4_000,
        DataUriJsonContent.ChunkBytes * 2L,
        DataUriJsonContent.ChunkBytes * 2L + 1,
        DataUriJsonContent.ChunkBytes * 2L + 2,
        3_000_001,
    };

    [Theory]
    [MemberData(nameof(BodySizes))]
    public async Task TheStreamedBodyIsExactlyTheDataUriJson(long fileSize)
    {
        string folder = Directory.CreateTempSubdirectory("hh-unit-").FullName;
        try
        {
            string path = TestImages.Write(folder, "img.png", TestImages.Png(400, 320, padTo: fileSize));
            var bytes = File.ReadAllBytes(path);
            Assert.Equal(fileSize, bytes.Length);
            var request = Requests.ImageToVideo("p \"q\"", LocalImage.Inspect(path), null, 6, "1080P", true, false);

            using var content = request.CreateContent(() => { });
            var body = await content.ReadAsByteArrayAsync();

            Assert.Equal(body.Length, content.Headers.ContentLength);
            using var json = JsonDocument.Parse(body);
            Assert.Equal("data:image/png;base64," + Convert.ToBase64String(bytes), json.RootElement.GetProperty("image").GetString());
            Assert.Equal("p \"q\"", json.RootElement.GetProperty("prompt").GetString());
            Assert.Equal("1080P", json.RootElement.GetProperty("resolution").GetString());
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public async Task BothFramesAreStreamedIntoOneBodyOfTheDeclaredLength()
    {
        string folder = Directory.CreateTempSubdirectory("hh-unit-").FullName;
        try
        {
            string firstPath = TestImages.Write(folder, "first.png", TestImages.Png(400, 320, padTo: DataUriJsonContent.ChunkBytes + 7));
            string lastPath = TestImages.Write(folder, "last.jpg", TestImages.Jpeg(400, 320));
            var request = new SubmitRequest(HailuoModels.Find(HailuoModels.Hailuo02, withImage: true)!, "p",
                new RequestImage(LocalImage.Inspect(firstPath)), new RequestImage(LocalImage.Inspect(lastPath)), 10, "768P", true, true);

            using var content = request.CreateContent(() => { });
            var body = await content.ReadAsByteArrayAsync();

            Assert.Equal(body.Length, content.Headers.ContentLength);
            using var json = JsonDocument.Parse(body);
            Assert.Equal("data:image/png;base64," + Convert.ToBase64String(File.ReadAllBytes(firstPath)), json.RootElement.GetProperty("image").GetString());
            Assert.Equal("data:image/jpeg;base64," + Convert.ToBase64String(File.ReadAllBytes(lastPath)), json.RootElement.GetProperty("end_image").GetString());
            Assert.Equal("prompt,image,end_image,duration,resolution,enable_prompt_expansion,fast_pretreatment",
                string.Join(",", json.RootElement.EnumerateObject().Select(p => p.Name)));
            Assert.Contains("\"end_image\":\"data:image/jpeg;base64,<", request.DescribeBody());
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public async Task AnImageThatChangesWhileBeingSentFailsTheBody()
    {
        string folder = Directory.CreateTempSubdirectory("hh-unit-").FullName;
        try
        {
            string path = TestImages.Write(folder, "img.png", TestImages.Png(400, 320));
            var image = LocalImage.Inspect(path);
            File.AppendAllText(path, "grown");
            using var content = Requests.ImageToVideo("p", image, null, 6, "768P", true, false).CreateContent(() => { });

            var error = await Assert.ThrowsAnyAsync<Exception>(() => content.ReadAsByteArrayAsync());
            Assert.IsType<IOException>(error.GetBaseException());
            Assert.Equal(path, ((DataUriJsonContent)content).ChangedImage);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }

    [Fact]
    public void DebugDescriptionNeverCarriesTheImageData()
    {
        string folder = Directory.CreateTempSubdirectory("hh-unit-").FullName;
        try
        {
            string path = TestImages.Write(folder, "img.png", TestImages.Png(400, 320));
            var text = Requests.ImageToVideo("p", LocalImage.Inspect(path), null, 6, "768P", true, false).DescribeBody();
            Assert.Contains("data:image/png;base64,<", text);
            Assert.DoesNotContain(Convert.ToBase64String(File.ReadAllBytes(path))[..40], text);
        }
        finally
        {
            Directory.Delete(folder, true);
        }
    }
}
