// Submissions for unit tests: the default model's image-to-video request, built as the command builds it.
using HighwayHailuo.Api;
using HighwayHailuo.Images;
using HighwayHailuo.Catalogue;

namespace HighwayHailuo.UnitTests;

internal static class Requests
{
    public static SubmitRequest ImageToVideo(string prompt, LocalImage? local, Uri? url, int duration, string resolution, bool expand, bool fast) =>
        new(HailuoModels.DefaultEndpoint, prompt,
            local != null ? new RequestImage(local) : new RequestImage(url!), null, duration, resolution, expand, fast);
}
