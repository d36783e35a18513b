// 2. The module against what a user would write instead, on the same batch and server:
//    - one image at a time: submit, poll every 3 s, download, next image;
//    - a straightforward parallel client: 8 lanes of that same loop, no pacing.
// The sequential client would take over an hour on a large batch, so it runs a sample of the
// batch and its time is projected linearly to the whole batch (labelled as such).
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FakeHighway;
using HighwayHailuo.Tests;

namespace HighwayHailuo.Benchmarks;

internal static class BaselineScenario
{
    private const int Images = 40;
    private const int SequentialSample = 3;
    private const int Lanes = 8;
    private static readonly TimeSpan s_userPollInterval = TimeSpan.FromSeconds(3);

    public static async Task<IEnumerable<string[]>> RunAsync(BenchOptions options)
    {
        await using var fake = await FakeHighwayServer.StartAsync(Scenarios.BatchServer());
        string dir = Directory.CreateTempSubdirectory("hailuo-bench-base-").FullName;
        var files = Enumerable.Range(0, Images).Select(i => TestImages.Write(dir, $"img-{i:D4}.png", TestImages.Png(400, 320))).ToArray();

        using var host = new BenchHost(dir);
        host.Run("Connect-Highway -ApiKey $args[0] -BaseUri $args[1]", fake.Options.ApiKey, fake.BaseUri.ToString());
        var clock = Stopwatch.StartNew();
        host.Run(Scenarios.BatchPipeline(Lanes, "./module") + " | Out-Null");
        double module = clock.Elapsed.TotalSeconds;

        using var http = new HttpClient();
        var client = new UserClient(http, fake.BaseUri, fake.Options.ApiKey, Path.Combine(dir, "user"));

        clock.Restart();
        await Parallel.ForEachAsync(Enumerable.Range(0, Images), new ParallelOptions { MaxDegreeOfParallelism = Lanes },
            async (i, _) => await client.OneImageAsync(files[i], i));
        double parallel = clock.Elapsed.TotalSeconds;

        clock.Restart();
        for (int i = 0; i < SequentialSample; i++)
            await client.OneImageAsync(files[i], i);
        double sequential = clock.Elapsed.TotalSeconds * Images / SequentialSample;

        return new[]
        {
            new[] { $"2. {Images} images: module vs naive parallel client ({Lanes} lanes, poll every 3 s) (s)", module.ToString("0.0", CultureInfo.InvariantCulture), parallel.ToString("0.0", CultureInfo.InvariantCulture), (parallel / module).ToString("0.0", CultureInfo.InvariantCulture) + "x faster", "no slower than the best" },
            new[] { $"2. {Images} images: module vs one at a time (projected from {SequentialSample}) (s)", module.ToString("0.0", CultureInfo.InvariantCulture), sequential.ToString("0", CultureInfo.InvariantCulture), (sequential / module).ToString("0", CultureInfo.InvariantCulture) + "x faster", "far ahead" },
        };
    }

    /// <summary>The client a user would write: submit, poll at a fixed interval, download.</summary>
    private sealed class UserClient(HttpClient http, Uri baseUri, string key, string folder)
    {
        public async Task OneImageAsync(string file, int index)
        {
            string body = JsonSerializer.Serialize(new
            {
                prompt = $"img-{index:D4}",
                image = "data:image/png;base64," + Convert.ToBase64String(await File.ReadAllBytesAsync(file)),
                duration = 6, resolution = "768P", enable_prompt_expansion = true, fast_pretreatment = false,
            });
            using var submit = Authorized(HttpMethod.Post, "v3/async/minimax-hailuo-2.3-i2v");
            submit.Content = new StringContent(body, Encoding.UTF8, "application/json");
            using var submitted = await http.SendAsync(submit);
            submitted.EnsureSuccessStatusCode();
            string id = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("task_id").GetString()!;

            string? url = null;
            while (url == null)
            {
                await Task.Delay(s_userPollInterval);
                using var poll = Authorized(HttpMethod.Get, "v3/async/task-result?task_id=" + Uri.EscapeDataString(id));
                using var answer = await http.SendAsync(poll);
                using var json = JsonDocument.Parse(await answer.Content.ReadAsStringAsync());
                if (json.RootElement.GetProperty("task").GetProperty("status").GetString() == "TASK_STATUS_SUCCEED")
                    url = json.RootElement.GetProperty("videos")[0].GetProperty("video_url").GetString();
            }
            Directory.CreateDirectory(folder);
            await using var target = File.Create(Path.Combine(folder, $"img-{index:D4}-{Guid.NewGuid():N}.mp4"));
            await using var source = await http.GetStreamAsync(url);
            await source.CopyToAsync(target);
        }

        private HttpRequestMessage Authorized(HttpMethod method, string path)
        {
            var request = new HttpRequestMessage(method, new Uri(baseUri, path));
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            return request;
        }
    }
}
