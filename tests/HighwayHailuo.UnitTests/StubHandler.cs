// An HttpMessageHandler that answers from a script and records what it was asked.
using System.Net;
using System.Text;

namespace HighwayHailuo.UnitTests;

public sealed class StubHandler : HttpMessageHandler
{
    private readonly Queue<Func<HttpRequestMessage, Task<HttpResponseMessage>>> _answers = new();

    public List<(HttpRequestMessage Request, string? Body)> Requests { get; } = new();

    public StubHandler Then(HttpStatusCode status, string? json = null, TimeSpan? retryAfter = null)
    {
        _answers.Enqueue(_ =>
        {
            var response = new HttpResponseMessage(status);
            if (json != null)
                response.Content = new StringContent(json, Encoding.UTF8, "application/json");
            if (retryAfter != null)
                response.Headers.RetryAfter = new System.Net.Http.Headers.RetryConditionHeaderValue(retryAfter.Value);
            return Task.FromResult(response);
        });
        return this;
    }

    /// <summary>A video answer: 200, video/mp4, with its length.</summary>
    public StubHandler ThenVideo(byte[] bytes)
    {
        _answers.Enqueue(_ =>
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("video/mp4");
            return Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = content });
        });
        return this;
    }

    public StubHandler Then(Exception exception)
    {
        _answers.Enqueue(_ => Task.FromException<HttpResponseMessage>(exception));
        return this;
    }

    public StubHandler Times(int count, HttpStatusCode status, string? json = null, TimeSpan? retryAfter = null)
    {
        for (int i = 0; i < count; i++)
            Then(status, json, retryAfter);
        return this;
    }

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        string? body = request.Content == null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
        Requests.Add((request, body));
        if (_answers.Count == 0)
            throw new InvalidOperationException("The stub has no more answers.");
        return await _answers.Dequeue()(request);
    }
}
