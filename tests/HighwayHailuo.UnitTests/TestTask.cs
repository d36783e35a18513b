// Builds HailuoTask snapshots for unit tests through the same path the cmdlets use.
using HighwayHailuo.Api;
using HighwayHailuo.Catalogue;

namespace HighwayHailuo.UnitTests;

internal static class TestTask
{
    public static HailuoTask Create(string id, string? sourceImage, string? videoType)
    {
        var state = new ServerTaskState { Status = HailuoTaskStatus.Succeeded, VideoType = videoType, VideoUrl = new Uri("https://cdn.test/v") };
        var local = TaskSnapshots.Local(id, HailuoModels.Default, sourceImage, null, null, null, null, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow);
        return TaskSnapshots.FromServer(id, state, local, DateTimeOffset.UtcNow);
    }
}
