// Connect-Highway -Proxy, -ProxyCredential and -ProxyUseDefaultCredentials, through a real forward
// proxy on 127.0.0.1 (LoopbackProxy): where requests go, what the proxy is told, and every way the
// settings can be wrong, each refused before anything is sent.
using System.Management.Automation;
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

public sealed class ProxyTests
{
    private const string ProxyUser = "proxy-user";
    private const string ProxyPassword = "proxy-password-never-shown-7";
    private const string Credential = "$pc = [pscredential]::new($args[3], (ConvertTo-SecureString $args[4] -AsPlainText -Force)); ";

    private static PowerShellSession Bare(FakeHighwayServer fake, int images = 1)
    {
        var session = new PowerShellSession(fake, connect: false);
        for (int i = 0; i < images; i++)
            TestImages.Write(session.WorkDir, $"img{i}.png", TestImages.Png(400, 320 + i));
        return session;
    }

    private static void AssertNothingShowsSecrets(RunResult result, FakeHighwayServer fake)
    {
        foreach (string text in result.AllText())
        {
            Assert.DoesNotContain(ProxyPassword, text);
            Assert.DoesNotContain(fake.Options.ApiKey, text);
        }
    }

    [Theory]
    [InlineData("http://{0}/")]
    [InlineData("{0}")] // host:port alone means an http proxy
    public async Task NewWaitAndSaveSendEveryRequestThroughTheProxy(string proxyForm)
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        await using var proxy = LoopbackProxy.Start();
        using var session = Bare(fake, images: 2);
        string proxyText = string.Format(proxyForm, proxy.Address.Authority);

        var result = session.Run("Connect-Highway -ApiKey $args[0] -BaseUri $args[1] -Proxy $args[2] -Verbose; " +
            "Get-ChildItem *.png | New-HailuoVideo -Prompt p | Wait-HailuoTask | Save-HailuoVideo -Destination out",
            fake.Options.ApiKey, fake.BaseUri.ToString(), proxyText).ThrowIfFailed();

        Assert.Equal(2, Directory.GetFiles(Path.Combine(session.WorkDir, "out"), "*.mp4").Length);
        Assert.Contains(result.Verbose, v => v.Contains("through the proxy " + proxy.Address.GetLeftPart(UriPartial.Authority)));
        // Every request the fake answered came through the proxy: API and video host alike.
        var carried = proxy.Carried;
        Assert.Equal(fake.SubmitRequestCount, carried.Count(r => r.Method == "POST" && r.Target.StartsWith(fake.BaseUri.GetLeftPart(UriPartial.Authority))));
        Assert.Equal(fake.ResultRequestCount, carried.Count(r => r.Method == "GET" && r.Target.StartsWith(fake.BaseUri.GetLeftPart(UriPartial.Authority))));
        Assert.Equal(fake.VideoRequestCount, carried.Count(r => r.Target.StartsWith(fake.VideoBaseUri.GetLeftPart(UriPartial.Authority))));
        Assert.Equal(2, fake.SubmitRequestCount);
        Assert.True(fake.VideoRequestCount >= 2);
        Assert.All(carried, r => Assert.Null(r.ProxyAuthorization));
    }

    [Fact]
    public async Task ProxyCredentialIsGivenToTheProxyThatAsksForIt()
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        await using var proxy = LoopbackProxy.Start(ProxyUser, ProxyPassword);
        using var session = Bare(fake, images: 2);

        var result = session.Run(Credential + "Connect-Highway -ApiKey $args[0] -BaseUri $args[1] -Proxy $args[2] -ProxyCredential $pc -Verbose; " +
            "Get-ChildItem *.png | New-HailuoVideo -Prompt p | Wait-HailuoTask | Save-HailuoVideo -Destination out",
            fake.Options.ApiKey, fake.BaseUri.ToString(), proxy.Address.ToString(), ProxyUser, ProxyPassword).ThrowIfFailed();

        Assert.Equal(2, Directory.GetFiles(Path.Combine(session.WorkDir, "out"), "*.mp4").Length);
        Assert.Equal(2, fake.Submissions.Count);
        Assert.NotEmpty(proxy.Carried);
        Assert.All(proxy.Carried, r => Assert.StartsWith("Basic ", r.ProxyAuthorization));
        Assert.Contains(result.Verbose, v => v.Contains("with -ProxyCredential"));
        AssertNothingShowsSecrets(result, fake);
    }

    public static TheoryData<string, string> RefusedSignIns => new()
    {
        // How the proxy was signed in to, and what the error says about it.
        { "", "asked for credentials" },
        { " -ProxyCredential ([pscredential]::new($args[3], (ConvertTo-SecureString 'wrong-password' -AsPlainText -Force)))", "refused the credentials" },
        // Default credentials are Windows integrated sign-in; they never answer a Basic challenge.
        { " -ProxyUseDefaultCredentials", "did not take the signed-in user's" },
    };

    [Theory]
    [MemberData(nameof(RefusedSignIns))]
    public async Task AProxyThatRefusesTheSignInStopsTheCallBeforeAnythingIsBilled(string signIn, string said)
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        await using var proxy = LoopbackProxy.Start(ProxyUser, ProxyPassword);
        using var session = Bare(fake, images: 3);

        var result = session.Run("Connect-Highway -ApiKey $args[0] -BaseUri $args[1] -Proxy $args[2]" + signIn + "; " +
            "Get-ChildItem *.png | New-HailuoVideo -Prompt p",
            fake.Options.ApiKey, fake.BaseUri.ToString(), proxy.Address.ToString(), ProxyUser, ProxyPassword);

        // One terminating error for the whole pipeline, not one per image: every image would meet it.
        Assert.Equal("ProxyAuthenticationRequired,HighwayHailuo.Commands.NewHailuoVideoCommand", result.Terminating?.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, result.Terminating!.CategoryInfo.Category);
        Assert.Contains(said, result.Terminating.Exception.Message);
        Assert.Contains(proxy.Address.GetLeftPart(UriPartial.Authority), result.Terminating.Exception.Message);
        Assert.Empty(fake.Requests);
        Assert.Empty(proxy.Carried);
        Assert.NotEmpty(proxy.Requests);
        AssertNothingShowsSecrets(result, fake);
    }

    [Fact]
    public async Task AProxyThatRefusesTheVideoHostStopsSaveWithNothingHalfWritten()
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        string videoHost = fake.VideoBaseUri.GetLeftPart(UriPartial.Authority);
        await using var proxy = LoopbackProxy.Start(ProxyUser, ProxyPassword, asksFor: target => target.StartsWith(videoHost));
        using var session = Bare(fake, images: 2);

        var result = session.Run("Connect-Highway -ApiKey $args[0] -BaseUri $args[1] -Proxy $args[2]; " +
            "Get-ChildItem *.png | New-HailuoVideo -Prompt p | Wait-HailuoTask | Save-HailuoVideo -Destination out",
            fake.Options.ApiKey, fake.BaseUri.ToString(), proxy.Address.ToString());

        Assert.Equal("ProxyAuthenticationRequired,HighwayHailuo.Commands.SaveHailuoVideoCommand", result.Terminating?.FullyQualifiedErrorId);
        Assert.Contains("the video was not downloaded", result.Terminating!.Exception.Message);
        Assert.Equal(0, fake.VideoRequestCount);
        string outFolder = Path.Combine(session.WorkDir, "out");
        Assert.True(!Directory.Exists(outFolder) || Directory.GetFiles(outFolder).Length == 0);
        // The paid tasks are not lost: the session still lists them, ready for another Save-HailuoVideo.
        Assert.Equal(2, session.Run("Get-HailuoTask").Objects<HighwayHailuo.HailuoTask>().Length);
    }

    [Fact]
    public async Task HttpsGoesThroughATunnelAndATunnelRefusedWith407StopsTheCall()
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        await using var proxy = LoopbackProxy.Start(ProxyUser, ProxyPassword);
        using var session = Bare(fake);
        // An https API reached through the proxy: the proxy sees a CONNECT, never the request or its key.
        const string Api = "https://highway.invalid/";

        var refused = session.Run("Connect-Highway -ApiKey $args[0] -BaseUri $args[1] -Proxy $args[2]; New-HailuoVideo img0.png -Prompt p",
            fake.Options.ApiKey, Api, proxy.Address.ToString());
        Assert.Equal("ProxyAuthenticationRequired,HighwayHailuo.Commands.NewHailuoVideoCommand", refused.Terminating?.FullyQualifiedErrorId);
        Assert.Contains("never reached Highway", refused.Terminating!.Exception.Message);
        Assert.All(proxy.Requests, r => Assert.Equal(("CONNECT", "highway.invalid:443", 407), (r.Method, r.Target, r.Answer)));

        // With the credential, the proxy is signed in to and opens (here: fails to open) the tunnel.
        var signedIn = session.Run(Credential + "Connect-Highway -ApiKey $args[0] -BaseUri $args[1] -Proxy $args[2] -ProxyCredential $pc; Get-HailuoTask some-task",
            fake.Options.ApiKey, Api, proxy.Address.ToString(), ProxyUser, ProxyPassword);
        var failed = Assert.Single(signedIn.Errors);
        Assert.Equal("HailuoServiceUnavailable", failed.ErrorId());
        Assert.Contains("'502'", failed.Exception.Message);
        Assert.Contains(proxy.Requests, r => r.Method == "CONNECT" && r.Answer == 502 && r.ProxyAuthorization != null);
        Assert.All(proxy.Requests, r => Assert.DoesNotContain(fake.Options.ApiKey, r.Head));
        Assert.Empty(fake.Requests);
        AssertNothingShowsSecrets(signedIn, fake);
    }

    public static TheoryData<string, string, string> BadSettings => new()
    {
        // Connect-Highway's arguments after -ApiKey, the ErrorId, and words the message must hold.
        { "-Proxy 'ftp://proxy.example:21'", "InvalidProxyUri", "not an absolute http or https URI" },
        { "-Proxy 'http://someone:hunter2-secret@proxy.example:8080'", "InvalidProxyUri", "-ProxyCredential" },
        { "-Proxy 'http://proxy.example:8080/some/path?x=1'", "InvalidProxyUri", "scheme, host and port only" },
        { "-ProxyCredential $pc", "ProxyUriMissing", "-ProxyCredential needs -Proxy" },
        { "-ProxyUseDefaultCredentials", "ProxyUriMissing", "-ProxyUseDefaultCredentials needs -Proxy" },
        { "-Proxy http://proxy.example:8080 -ProxyCredential $pc -ProxyUseDefaultCredentials", "ProxyCredentialConflict", "give one of them" },
        // Plain http is for this machine only; a proxy elsewhere would carry the key off it in the clear.
        { "-BaseUri http://127.0.0.1:5080/ -Proxy http://proxy.example:8080", "InvalidProxyUri", "unencrypted" },
    };

    [Theory]
    [MemberData(nameof(BadSettings))]
    public async Task BadProxySettingsAreRefusedAndTheSessionKeepsItsConnection(string arguments, string errorId, string said)
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        using var session = Bare(fake);
        session.Run("Connect-Highway -ApiKey $args[0] -BaseUri $args[1]", fake.Options.ApiKey, fake.BaseUri.ToString()).ThrowIfFailed();

        var result = session.Run(Credential + "Connect-Highway -ApiKey 'another-key-1234567' " + arguments,
            null, null, null, ProxyUser, ProxyPassword);

        Assert.Equal(errorId + ",HighwayHailuo.Commands.ConnectHighwayCommand", result.Terminating?.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.InvalidArgument, result.Terminating!.CategoryInfo.Category);
        Assert.Contains(said, result.Terminating.Exception.Message);
        Assert.DoesNotContain("hunter2", result.Terminating.Exception.Message);
        AssertNothingShowsSecrets(result, fake);
        // The refused Connect-Highway changed nothing: the earlier key, address and (no) proxy still hold.
        session.Run("New-HailuoVideo img0.png -Prompt p").ThrowIfFailed();
        Assert.Single(fake.Submissions);
    }

    [Fact]
    public async Task APlainHttpAddressGivenToOneCallIsRefusedThroughAProxyElsewhere()
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        using var session = Bare(fake);
        session.Run("Connect-Highway -ApiKey $args[0] -Proxy http://proxy.example:8080", fake.Options.ApiKey).ThrowIfFailed();

        var result = session.Run("New-HailuoVideo img0.png -Prompt p -BaseUri $args[0]", fake.BaseUri.ToString());

        Assert.Equal("InvalidProxyUri,HighwayHailuo.Commands.NewHailuoVideoCommand", result.Terminating?.FullyQualifiedErrorId);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task AProxyThatIsNotThereIsNamedAndNothingIsBilled()
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        using var session = Bare(fake);
        int closedPort;
        {
            var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
            probe.Start();
            closedPort = ((System.Net.IPEndPoint)probe.LocalEndpoint).Port;
            probe.Stop();
        }

        var result = session.Run("Connect-Highway -ApiKey $args[0] -BaseUri $args[1] -Proxy $args[2]; New-HailuoVideo img0.png -Prompt p",
            fake.Options.ApiKey, fake.BaseUri.ToString(), $"http://127.0.0.1:{closedPort}/");

        // Retried a few times (a proxy may be restarting), then the whole call stops: no image could pass.
        Assert.Equal("HailuoServiceUnreachable", result.Terminating?.ErrorId());
        Assert.Contains($"the proxy http://127.0.0.1:{closedPort}", result.Terminating!.Exception.Message);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task DisconnectAndALaterConnectWithoutProxyStopUsingIt()
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        await using var proxy = LoopbackProxy.Start();
        using var session = Bare(fake);
        const string Connect = "Connect-Highway -ApiKey $args[0] -BaseUri $args[1]";

        session.Run(Connect + " -Proxy $args[2]; New-HailuoVideo img0.png -Prompt p", fake.Options.ApiKey, fake.BaseUri.ToString(), proxy.Address.ToString()).ThrowIfFailed();
        Assert.Single(proxy.Carried);

        // Connect-Highway replaces every setting: without -Proxy, the proxy is gone.
        session.Run(Connect + "; New-HailuoVideo img0.png -Prompt again", fake.Options.ApiKey, fake.BaseUri.ToString()).ThrowIfFailed();
        Assert.Single(proxy.Carried);

        session.Run(Connect + " -Proxy $args[2]; Disconnect-Highway; New-HailuoVideo img0.png -Prompt last -ApiKey $args[0] -BaseUri $args[1]",
            fake.Options.ApiKey, fake.BaseUri.ToString(), proxy.Address.ToString()).ThrowIfFailed();
        Assert.Single(proxy.Carried);
        Assert.Equal(3, fake.Submissions.Count);
    }
}
