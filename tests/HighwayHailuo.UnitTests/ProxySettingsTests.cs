// Connect-Highway -Proxy's address rules, decided apart from the runtime: an https proxy is refused
// up front where the runtime cannot use one (Windows PowerShell 5.1's .NET Framework).
using HighwayHailuo.Api;
using HighwayHailuo.Errors;
using Xunit;

namespace HighwayHailuo.UnitTests;

public sealed class ProxySettingsTests
{
    [Theory]
    [InlineData("https://proxy.example:8443", true, null)]
    [InlineData("https://proxy.example:8443", false, "Windows PowerShell 5.1")]
    [InlineData("http://proxy.example:8080", false, null)]
    [InlineData("proxy.example:8080", false, null)] // a bare host and port is an http proxy
    public void AnHttpsProxyIsRefusedUpFrontWhereTheRuntimeCannotUseOne(string proxy, bool httpsProxiesWork, string? refusal)
    {
        if (refusal == null)
        {
            var settings = ProxySettings.Create(proxy, null, false, httpsProxiesWork);
            Assert.Equal(proxy.StartsWith("https") ? "https" : "http", settings.Address.Scheme);
            return;
        }
        var error = Assert.Throws<HailuoException>(() => ProxySettings.Create(proxy, null, false, httpsProxiesWork));
        Assert.Equal(ErrorIds.InvalidProxyUri, error.ErrorId);
        Assert.Contains(refusal, error.Message);
    }

    [Fact]
    public void ThisRuntimeTakesHttpsProxies() => Assert.True(ProxySettings.RuntimeTakesHttpsProxies); // .NET 10 here
}
