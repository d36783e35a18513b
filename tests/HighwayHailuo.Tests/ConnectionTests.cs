// Where the key and base URI come from. These tests change process environment variables, so
// they run alone, never beside another test.
using System.Management.Automation;
using FakeHighway;
using Xunit;

namespace HighwayHailuo.Tests;

[CollectionDefinition(nameof(EnvironmentCollection), DisableParallelization = true)]
public sealed class EnvironmentCollection
{
}

[Collection(nameof(EnvironmentCollection))]
public sealed class ConnectionTests : IDisposable
{
    private const string WrongKey = "wrong-key-never-shown-42";

    public ConnectionTests() => ClearEnvironment();

    public void Dispose() => ClearEnvironment();

    private static void ClearEnvironment()
    {
        Environment.SetEnvironmentVariable("HIGHWAY_API_KEY", null);
        Environment.SetEnvironmentVariable("HIGHWAY_BASE_URI", null);
    }

    private static PowerShellSession Bare(FakeHighwayServer fake)
    {
        var session = new PowerShellSession(fake, connect: false);
        TestImages.Write(session.WorkDir, "a.png", TestImages.Png(400, 320));
        return session;
    }

    [Theory]
    [InlineData("New-HailuoVideo a.png -Prompt p", "NewHailuoVideoCommand")]
    [InlineData("Get-HailuoTask abc", "GetHailuoTaskCommand")]
    [InlineData("Wait-HailuoTask abc", "WaitHailuoTaskCommand")]
    [InlineData("Save-HailuoVideo -TaskId abc", "SaveHailuoVideoCommand")]
    public async Task NoKeyAnywhereIsApiKeyMissingBeforeAnyRequest(string script, string command)
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        using var session = Bare(fake);
        Environment.SetEnvironmentVariable("HIGHWAY_BASE_URI", fake.BaseUri.ToString());

        var result = session.Run(script);

        Assert.Equal("ApiKeyMissing,HighwayHailuo.Commands." + command, result.Terminating?.FullyQualifiedErrorId);
        Assert.Equal(ErrorCategory.AuthenticationError, result.Terminating!.CategoryInfo.Category);
        Assert.Contains("Connect-Highway", result.Terminating.Exception.Message);
        Assert.Contains("$env:HIGHWAY_API_KEY", result.Terminating.Exception.Message);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task ParameterBeatsSessionBeatsEnvironment()
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        using var session = Bare(fake);
        string good = fake.Options.ApiKey;

        // Environment only.
        Environment.SetEnvironmentVariable("HIGHWAY_API_KEY", good);
        Environment.SetEnvironmentVariable("HIGHWAY_BASE_URI", fake.BaseUri.ToString());
        session.Run("New-HailuoVideo a.png -Prompt env").ThrowIfFailed();

        // Session over environment: a wrong session key must win, and fail, and say where it came from.
        Environment.SetEnvironmentVariable("HIGHWAY_API_KEY", good);
        var sessionWins = session.Run("Connect-Highway -ApiKey $args[0]; New-HailuoVideo a.png -Prompt session", WrongKey);
        Assert.Equal("HailuoAuthenticationFailed,HighwayHailuo.Commands.NewHailuoVideoCommand", sessionWins.Terminating?.FullyQualifiedErrorId);
        Assert.Contains("Connect-Highway", sessionWins.Terminating!.Exception.Message);

        // Parameter over session.
        session.Run("New-HailuoVideo a.png -Prompt param -ApiKey $args[0]", good).ThrowIfFailed();

        // After Disconnect-Highway the environment applies again.
        session.Run("Disconnect-Highway; New-HailuoVideo a.png -Prompt again").ThrowIfFailed();

        // A wrong environment key is named as such.
        Environment.SetEnvironmentVariable("HIGHWAY_API_KEY", WrongKey);
        var envWrong = session.Run("New-HailuoVideo a.png -Prompt envwrong");
        Assert.Contains("$env:HIGHWAY_API_KEY", envWrong.Terminating!.Exception.Message);

        Assert.Equal(new[] { "again", "env", "param" }, fake.Submissions.Select(s => s.Prompt).OrderBy(p => p));
        Assert.DoesNotContain(sessionWins.AllText().Concat(envWrong.AllText()), t => t.Contains(WrongKey) || t.Contains(good));
    }

    [Fact]
    public async Task ConnectTakesASecureStringAndABaseUriAndBelongsToItsRunspace()
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        using var session = Bare(fake);
        using var other = Bare(fake);

        var connected = session.Run("""
            $secure = [securestring]::new()
            foreach ($c in $args[0].ToCharArray()) { $secure.AppendChar($c) }
            Connect-Highway -ApiKey $secure -BaseUri $args[1]
            New-HailuoVideo a.png -Prompt p
            """, fake.Options.ApiKey, fake.BaseUri.ToString());
        var elsewhere = other.Run("New-HailuoVideo a.png -Prompt p -BaseUri $args[0]", fake.BaseUri.ToString());

        connected.ThrowIfFailed();
        Assert.Single(connected.Objects<HailuoTask>());
        Assert.Equal("ApiKeyMissing,HighwayHailuo.Commands.NewHailuoVideoCommand", elsewhere.Terminating?.FullyQualifiedErrorId);
    }

    // Each command that takes -ApiKey, with a call that reaches the API ($task has succeeded).
    private static readonly Dictionary<string, string> s_callsWithTheKey = new()
    {
        ["Connect-Highway"] = "Connect-Highway -ApiKey $key -BaseUri $base; Get-HailuoTask -TaskId $task.TaskId",
        ["New-HailuoVideo"] = "New-HailuoVideo a.png -Prompt again -ApiKey $key -BaseUri $base",
        ["Get-HailuoTask"] = "Get-HailuoTask -TaskId $task.TaskId -ApiKey $key -BaseUri $base",
        ["Wait-HailuoTask"] = "Wait-HailuoTask -TaskId $task.TaskId -ApiKey $key -BaseUri $base",
        ["Save-HailuoVideo"] = "Save-HailuoVideo -TaskId $task.TaskId -ApiKey $key -BaseUri $base -Destination saved",
    };

    // The ways a key arrives: typed, from SecretManagement (SecureString, or a credential secret),
    // from Azure Automation (Get-AutomationVariable: a string; Get-AutomationPSCredential: a credential).
    private static readonly string[] s_keyForms = { "String", "SecureString", "PSCredential" };

    public static TheoryData<string, string> CommandsAndKeyForms()
    {
        var data = new TheoryData<string, string>();
        foreach (var command in s_callsWithTheKey.Keys)
            foreach (var form in s_keyForms)
                data.Add(command, form);
        return data;
    }

    public static TheoryData<string> CommandsTakingTheKey() => new(s_callsWithTheKey.Keys);

    // Makes $key in the given form from the key, and $task: a finished task's id, made with the
    // right key in another runspace, so this one must ask the API about it.
    private static RunResult Prepare(PowerShellSession session, FakeHighwayServer fake, string key, string form)
    {
        using var elsewhere = Bare(fake);
        var task = elsewhere.Run("New-HailuoVideo a.png -Prompt p -ApiKey $args[0] -BaseUri $args[1] | Wait-HailuoTask -ApiKey $args[0] -BaseUri $args[1]",
            fake.Options.ApiKey, fake.BaseUri.ToString()).ThrowIfFailed().Objects<HailuoTask>().Single();
        return session.Run("""
        $secure = [securestring]::new()
        foreach ($c in $args[0].ToCharArray()) { $secure.AppendChar($c) }
        $global:key = switch ($args[2]) {
            'String' { $args[0] }
            'SecureString' { $secure }
            'PSCredential' { [pscredential]::new('any-user', $secure) }
            'EmptyCredential' { [pscredential]::Empty }
        }
        $global:base = $args[1]
        $global:task = [pscustomobject]@{ TaskId = $args[3] }
        """, key, fake.BaseUri.ToString(), form, task.TaskId).ThrowIfFailed();
    }

    [Fact]
    public void EveryCommandThatTakesAKeyIsSwept()
    {
        using var session = new PowerShellSession();
        var commands = session.Run("(Get-Command -Module HighwayHailuo | Where-Object { $_.Parameters.ContainsKey('ApiKey') }).Name");
        Assert.Equal(s_callsWithTheKey.Keys.OrderBy(k => k, StringComparer.Ordinal), commands.Output.Select(o => o.ToString()).OrderBy(k => k, StringComparer.Ordinal));
    }

    [Theory]
    [MemberData(nameof(CommandsAndKeyForms))]
    public async Task EveryCommandTakesTheKeyAsAStringASecureStringOrACredential(string command, string form)
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        using var session = Bare(fake);
        Prepare(session, fake, fake.Options.ApiKey, form);

        var result = session.Run(s_callsWithTheKey[command]);

        result.ThrowIfFailed();
        Assert.Single(result.Output);
        Assert.DoesNotContain(fake.Requests, r => r.Status == 401);
    }

    [Theory]
    [MemberData(nameof(CommandsAndKeyForms))]
    public async Task AWrongKeyInAnyFormIsRefusedAndNeverShown(string command, string form)
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        using var session = Bare(fake);
        Prepare(session, fake, WrongKey, form);

        var result = session.Run(s_callsWithTheKey[command]);

        var error = Assert.Single(new[] { result.Terminating }.Concat(result.Errors).OfType<ErrorRecord>());
        Assert.Equal("HailuoAuthenticationFailed", error.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(ErrorCategory.AuthenticationError, error.CategoryInfo.Category);
        Assert.DoesNotContain(result.AllText(), t => t.Contains(WrongKey));
    }

    [Theory]
    [MemberData(nameof(CommandsTakingTheKey))]
    public async Task AnEmptyCredentialIsApiKeyMissingAndSendsNothing(string command)
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        using var session = Bare(fake);
        Prepare(session, fake, "", "EmptyCredential");
        int before = fake.Requests.Count;

        var result = session.Run(s_callsWithTheKey[command]);

        Assert.Equal("ApiKeyMissing", result.Terminating?.FullyQualifiedErrorId.Split(',')[0]);
        Assert.Equal(before, fake.Requests.Count);
    }

    [Fact]
    public async Task BaseUriFromTheEnvironmentAndParameterPrecedence()
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        await using var decoy = await FakeHighwayServer.StartAsync(new FakeHighwayOptions { ApiKey = fake.Options.ApiKey }); // the same account's key
        using var session = Bare(fake);
        Environment.SetEnvironmentVariable("HIGHWAY_BASE_URI", decoy.BaseUri.ToString());

        session.Run("New-HailuoVideo a.png -Prompt p -ApiKey $args[0] -BaseUri $args[1]", fake.Options.ApiKey, fake.BaseUri.ToString()).ThrowIfFailed();
        session.Run("New-HailuoVideo a.png -Prompt p -ApiKey $args[0]", fake.Options.ApiKey).ThrowIfFailed();

        Assert.Single(fake.Submissions);
        Assert.Single(decoy.Submissions);
    }

    [Theory]
    [InlineData("http://api.example.com/")]
    [InlineData("ftp://127.0.0.1/")]
    [InlineData("not a uri")]
    public async Task AnUnsafeOrInvalidBaseUriIsRefusedBeforeAnyRequest(string uri)
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        using var session = Bare(fake);

        var perCall = session.Run("New-HailuoVideo a.png -Prompt p -ApiKey k -BaseUri $args[0]", uri);
        var connect = session.Run("Connect-Highway -ApiKey k -BaseUri $args[0]", uri);
        Environment.SetEnvironmentVariable("HIGHWAY_BASE_URI", uri);
        var fromEnv = session.Run("Get-HailuoTask abc -ApiKey k");

        foreach (var r in new[] { perCall, connect, fromEnv })
            Assert.StartsWith("InvalidBaseUri,", r.Terminating?.FullyQualifiedErrorId);
        Assert.Empty(fake.Requests);
    }

    [Fact]
    public async Task ACredentialInARefusedBaseUriIsNotShown()
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        using var session = Bare(fake);

        var result = session.Run("Connect-Highway -ApiKey k -BaseUri 'http://hh-secret-in-uri@api.example.com/'");

        Assert.Equal("InvalidBaseUri,HighwayHailuo.Commands.ConnectHighwayCommand", result.Terminating?.FullyQualifiedErrorId);
        var get = session.Run("Get-HailuoTask abc -ApiKey k -BaseUri 'https://api.example.com/?key=hh-secret-in-query'");
        Assert.Equal("InvalidBaseUri,HighwayHailuo.Commands.GetHailuoTaskCommand", get.Terminating?.FullyQualifiedErrorId);
        Assert.DoesNotContain(result.AllText().Concat(get.AllText()), t => t.Contains("hh-secret-in"));
    }

    [Fact]
    public async Task WhatIfNeedsNoKey()
    {
        await using var fake = await FakeHighwayServer.StartAsync();
        using var session = Bare(fake);

        var result = session.Run("New-HailuoVideo a.png -Prompt p -WhatIf");

        Assert.Null(result.Terminating);
        Assert.Empty(result.Errors);
        Assert.Contains("What if:", session.Host.Text);
    }
}
