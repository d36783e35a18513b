// A small forward HTTP proxy on 127.0.0.1 for the proxy tests: it passes absolute-form requests on
// (one request per connection), opens CONNECT tunnels, can demand Basic credentials (407), and
// records every request it was asked to carry. It stops when disposed; each connection has a deadline.
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace HighwayHailuo.Tests;

public sealed record ProxiedRequest(string Method, string Target, string? ProxyAuthorization, int Answer, string Head);

public sealed class LoopbackProxy : IAsyncDisposable
{
    private static readonly TimeSpan ConnectionDeadline = TimeSpan.FromSeconds(60);
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ProxiedRequest> _requests = new();
    private readonly string? _expectedAuthorization;
    private readonly Task _accepting;
    private readonly ConcurrentDictionary<Task, bool> _serving = new();

    private readonly Func<string, bool> _asksFor;

    private LoopbackProxy(string? user, string? password, Func<string, bool>? asksFor)
    {
        _asksFor = asksFor ?? (_ => true);
        if (user != null)
            _expectedAuthorization = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes(user + ":" + password));
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Address = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = AcceptAsync();
    }

    /// <summary>
    /// Starts a proxy; with a user name, it answers 407 to a request without those Basic credentials
    /// (to every request, or to those whose target <paramref name="asksFor"/> picks).
    /// </summary>
    public static LoopbackProxy Start(string? user = null, string? password = null, Func<string, bool>? asksFor = null) => new(user, password, asksFor);

    public Uri Address { get; }

    public IReadOnlyList<ProxiedRequest> Requests => _requests.ToArray();

    /// <summary>The requests it passed on (not refused with 407).</summary>
    public IReadOnlyList<ProxiedRequest> Carried => _requests.Where(r => r.Answer != 407).ToArray();

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            var serving = ServeAsync(client);
            _serving[serving] = true;
            _ = serving.ContinueWith(t => _serving.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
        deadline.CancelAfter(ConnectionDeadline);
        var ct = deadline.Token;
        using (client)
        {
            try
            {
                var downstream = client.GetStream();
                var (head, rest) = await ReadHeadAsync(downstream, ct);
                if (head == null)
                    return;
                string[] lines = head.Split("\r\n");
                string[] requestLine = lines[0].Split(' ');
                string method = requestLine[0], target = requestLine[1];
                var headers = lines.Skip(1).Where(l => l.Length > 0)
                    .Select(l => (Name: l[..l.IndexOf(':')].Trim(), Value: l[(l.IndexOf(':') + 1)..].Trim())).ToList();
                string? authorization = headers.FirstOrDefault(h => h.Name.Equals("Proxy-Authorization", StringComparison.OrdinalIgnoreCase)).Value;

                if (_expectedAuthorization != null && authorization != _expectedAuthorization && _asksFor(target))
                {
                    _requests.Enqueue(new ProxiedRequest(method, target, authorization, 407, head));
                    await DrainBodyAsync(downstream, headers, rest.Length, ct);
                    await WriteAsync(downstream, "HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"loopback\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct);
                    return;
                }

                if (method == "CONNECT")
                {
                    int colon = target.LastIndexOf(':');
                    using var tunnel = new TcpClient();
                    try
                    {
                        await tunnel.ConnectAsync(target[..colon], int.Parse(target[(colon + 1)..]), ct);
                    }
                    catch (SocketException)
                    {
                        _requests.Enqueue(new ProxiedRequest(method, target, authorization, 502, head));
                        await WriteAsync(downstream, "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", ct);
                        return;
                    }
                    _requests.Enqueue(new ProxiedRequest(method, target, authorization, 200, head));
                    await WriteAsync(downstream, "HTTP/1.1 200 Connection Established\r\n\r\n", ct);
                    var upstreamTunnel = tunnel.GetStream();
                    await Task.WhenAny(PumpAsync(downstream, upstreamTunnel, rest, ct), PumpAsync(upstreamTunnel, downstream, [], ct));
                    return;
                }

                var uri = new Uri(target);
                using var origin = new TcpClient();
                await origin.ConnectAsync(uri.Host, uri.Port, ct);
                var upstream = origin.GetStream();
                // Origin form, this proxy's own headers removed, and one request per connection.
                var forwarded = new StringBuilder($"{method} {uri.PathAndQuery} HTTP/1.1\r\n");
                foreach (var (name, value) in headers)
                {
                    if (!name.StartsWith("Proxy-", StringComparison.OrdinalIgnoreCase) && !name.Equals("Connection", StringComparison.OrdinalIgnoreCase)
                        && !name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase))
                        forwarded.Append(name).Append(": ").Append(value).Append("\r\n");
                }
                forwarded.Append("Connection: close\r\n\r\n");
                await WriteAsync(upstream, forwarded.ToString(), ct);
                var sending = PumpAsync(downstream, upstream, rest, ct);

                // The answer's head gets "Connection: close" too, so the client opens a new connection next time.
                var (answerHead, answerRest) = await ReadHeadAsync(upstream, ct);
                if (answerHead == null)
                    return;
                string[] answerLines = answerHead.Split("\r\n");
                int status = int.Parse(answerLines[0].Split(' ')[1]);
                _requests.Enqueue(new ProxiedRequest(method, target, authorization, status, head));
                var answer = new StringBuilder(answerLines[0]).Append("\r\n");
                foreach (string line in answerLines.Skip(1).Where(l => l.Length > 0 && !l.StartsWith("Connection:", StringComparison.OrdinalIgnoreCase)))
                    answer.Append(line).Append("\r\n");
                answer.Append("Connection: close\r\n\r\n");
                await WriteAsync(downstream, answer.ToString(), ct);
                await PumpAsync(upstream, downstream, answerRest, ct);
                _ = sending;
            }
            catch (Exception) when (ct.IsCancellationRequested)
            {
            }
            catch (IOException)
            {
            }
            catch (SocketException)
            {
            }
        }
    }

    /// <summary>Reads up to the blank line that ends a head; returns the head and the bytes read past it.</summary>
    private static async Task<(string? Head, byte[] Extra)> ReadHeadAsync(Stream stream, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        int filled = 0;
        while (filled < buffer.Length)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(filled), ct);
            if (read == 0)
                return (null, []);
            filled += read;
            int end = IndexOfBlankLine(buffer, filled);
            if (end >= 0)
                return (Encoding.ASCII.GetString(buffer, 0, end), buffer[(end + 4)..filled]);
        }
        return (null, []);
    }

    private static int IndexOfBlankLine(byte[] buffer, int length)
    {
        for (int i = 0; i + 3 < length; i++)
        {
            if (buffer[i] == '\r' && buffer[i + 1] == '\n' && buffer[i + 2] == '\r' && buffer[i + 3] == '\n')
                return i;
        }
        return -1;
    }

    private static async Task DrainBodyAsync(Stream stream, List<(string Name, string Value)> headers, int alreadyRead, CancellationToken ct)
    {
        string? length = headers.FirstOrDefault(h => h.Name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)).Value;
        long left = (length == null ? 0 : long.Parse(length)) - alreadyRead;
        var buffer = new byte[64 * 1024];
        while (left > 0)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, left)), ct);
            if (read == 0)
                return;
            left -= read;
        }
    }

    private static async Task PumpAsync(Stream from, Stream to, byte[] first, CancellationToken ct)
    {
        try
        {
            if (first.Length > 0)
                await to.WriteAsync(first, ct);
            await from.CopyToAsync(to, ct);
        }
        catch (Exception)
        {
            // Either side closing ends the exchange.
        }
    }

    private static Task WriteAsync(Stream stream, string text, CancellationToken ct) =>
        stream.WriteAsync(Encoding.ASCII.GetBytes(text), ct).AsTask();

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        await _accepting;
        await Task.WhenAll(_serving.Keys.ToArray());
        _stop.Dispose();
    }
}
