// The user's main pipeline, end to end: New-HailuoVideo | Wait-HailuoTask | Save-HailuoVideo.
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class EndToEndTests
{
    [Fact]
    public async Task FolderOfPhotosBecomesFolderOfVideos()
    {
        await using var rig = await FakeRig.StartAsync();
        var (fake, session) = rig;
        var photos = Path.Combine(session.WorkDir, "photos");
        TestImages.Write(photos, "sunset.jpg", File.ReadAllBytes(TestImages.Fixture("photo.jpg")));
        TestImages.Write(photos, "harbour.jpg", TestImages.Jpeg(1920, 1080));
        // A name with wildcard characters is taken literally all the way to its video's name.
        TestImages.Write(photos, "shot[1].jpg", File.ReadAllBytes(TestImages.Fixture("progressive.jpg")));
        TestImages.Write(photos, "notes.txt", new byte[] { 1, 2, 3 });

        // As in the README: Get-ChildItem's items bind by their PSPath.
        var result = session.Run("""
            Get-ChildItem ./photos/*.jpg |
                New-HailuoVideo -Prompt 'The camera slowly pushes in [推进]' -Duration 6 -Resolution 1080P |
                Wait-HailuoTask -PollInterval 0.2 |
                Save-HailuoVideo -Destination ./videos
            """);

        result.ThrowIfFailed();
        var files = result.Objects<FileInfo>();
        Assert.Equal(new[] { "harbour.mp4", "shot[1].mp4", "sunset.mp4" }, files.Select(f => f.Name).OrderBy(n => n, StringComparer.Ordinal));
        Assert.Empty(Directory.GetFiles(Path.Combine(session.WorkDir, "videos"), "*.partial"));
        Assert.All(files, f => Assert.Equal(Path.Combine(session.WorkDir, "videos"), f.DirectoryName));
        foreach (var task in fake.Submissions)
        {
            var saved = files.Single(f => f.Length == fake.Options.VideoBytes && File.ReadAllBytes(f.FullName).SequenceEqual(VideoContent.Expected(task.TaskId!, fake.Options.VideoBytes)));
            Assert.NotNull(saved);
            Assert.Equal("The camera slowly pushes in [推进]", task.Prompt);
            Assert.Equal("1080P", task.Resolution);
        }
        Assert.Equal(3, fake.Submissions.Count);
        // Downloads never carry the key; API calls always do.
        Assert.All(fake.Requests.Where(r => r.Host == "video"), r => Assert.Null(r.Authorization));
        Assert.All(fake.Requests.Where(r => r.Host == "api"), r => Assert.Equal("Bearer " + fake.Options.ApiKey, r.Authorization));
        Assert.Empty(Directory.GetFiles(Path.Combine(session.WorkDir, "videos"), "*.partial"));
    }
}
