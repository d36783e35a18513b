// What every fault case must leave true: nothing billed twice, the key nowhere, no stray file.
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

internal static class Invariants
{
    /// <summary>Asserts the three promises and returns (submissions, distinct images submitted) for the record.</summary>
    public static (int Submissions, int Images) Hold(FakeHighwayServer fake, PowerShellSession session, params RunResult[] runs)
    {
        // Billed at most once per image and parameters: FakeHighway records each accepted submission's image content.
        var perImage = fake.Submissions.GroupBy(s => (s.ImageSha256 ?? s.ImageUrl, s.Prompt, s.Duration, s.Resolution, s.EnablePromptExpansion, s.FastPretreatment)).ToList();
        Assert.All(perImage, g => Assert.True(g.Count() == 1, $"an image was submitted {g.Count()} times"));

        // The key: in no stream, no host text, no file, and never sent to the video host.
        string key = fake.Options.ApiKey;
        var texts = runs.SelectMany(r => r.AllText()).Append(session.Host.Text)
            .Concat(Directory.GetFiles(session.WorkDir, "*", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.DoesNotContain(texts, t => t.Contains(key, StringComparison.Ordinal));
        Assert.All(fake.Requests.Where(r => r.Host == "video"), r => Assert.Null(r.Authorization));

        // No temporary file left behind, under the final name or any other.
        Assert.Empty(Directory.GetFiles(session.WorkDir, "*.partial", SearchOption.AllDirectories));
        return (fake.Submissions.Count, perImage.Count);
    }
}
