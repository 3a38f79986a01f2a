using System.Security.Cryptography.X509Certificates;
using AtMqtt.Core.Dialects;
using AtMqtt.Core.Mqtt.Transport;
using Xunit;

namespace AtMqtt.EndToEnd.Tests.Tls;

/// <summary>
/// What the modem puts in its TLS ClientHello, seen by a transparent relay in front of the real
/// broker: AT+MQTTALPN's protocols in order, AT+MQTTSNI's name (no SNI for an IP address host).
/// </summary>
public sealed class HandshakeTests(TlsMosquittoFixture tls) : IClassFixture<TlsMosquittoFixture>
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public async Task Alpn_protocols_are_offered_in_order(int scheme)
    {
        await using var proxy = new RecordingProxy(tls.TlsPort);
        await using var modem = await ModemUnderTest.InProcessAsync(Dialect.EspAt(), tls.TrustingCa);
        await modem.UserCfgAsync(scheme, Unique.Id("alpn"));
        await modem.OkAsync("AT+MQTTALPN=0,3,\"mqtt\",\"x-atmqtt/1\",\"x-third\"");
        await modem.ConnectAsync(scheme, proxy.Port);

        var hello = await proxy.NextHelloAsync(Patience);
        Assert.Equal(["mqtt", "x-atmqtt/1", "x-third"], hello.Alpn);

        // The relay is transparent: the link works end to end.
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, tls.Port);
        await modem.RoundTripAsync(probe, Unique.Topic("alpn"));
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    [Fact]
    public async Task Without_alpn_no_protocol_is_offered_and_an_ip_host_sends_no_sni()
    {
        await using var proxy = new RecordingProxy(tls.TlsPort);
        await using var modem = await ModemUnderTest.InProcessAsync(Dialect.EspAt(), tls.TrustingCa);
        await modem.UserCfgAsync(3, Unique.Id("noalpn"));
        await modem.ConnectAsync(3, proxy.Port);
        var hello = await proxy.NextHelloAsync(Patience);
        Assert.Null(hello.Alpn);
        Assert.Null(hello.ServerName);
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    /// <summary>AT+MQTTALPN=0,0 clears the list.</summary>
    [Fact]
    public async Task A_cleared_alpn_list_offers_nothing()
    {
        await using var proxy = new RecordingProxy(tls.TlsPort);
        await using var modem = await ModemUnderTest.InProcessAsync(Dialect.EspAt(), tls.TrustingCa);
        await modem.UserCfgAsync(3, Unique.Id("alpn-cleared"));
        await modem.OkAsync("AT+MQTTALPN=0,1,\"mqtt\"");
        await modem.OkAsync("AT+MQTTALPN=0,0");
        await modem.ConnectAsync(3, proxy.Port);
        Assert.Null((await proxy.NextHelloAsync(Patience)).Alpn);
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    [Fact]
    public async Task Sni_sends_the_configured_name()
    {
        await using var proxy = new RecordingProxy(tls.TlsPort);
        await using var modem = await ModemUnderTest.InProcessAsync(Dialect.EspAt(), tls.TrustingCa);
        await modem.UserCfgAsync(3, Unique.Id("sni"));
        await modem.OkAsync($"AT+MQTTSNI=0,\"{Pki.BrokerName}\"");
        await modem.OkAsync("AT+MQTTALPN=0,1,\"mqtt\"");
        await modem.ConnectAsync(3, proxy.Port);
        var hello = await proxy.NextHelloAsync(Patience);
        Assert.Equal(Pki.BrokerName, hello.ServerName);
        Assert.Equal(["mqtt"], hello.Alpn);
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    /// <summary>
    /// The seed's scheme 2 is TLS too (with a pre-shared key): AT+MQTTALPN and AT+MQTTSNI, which the seed
    /// dialect accepts, belong in its ClientHello as well.
    /// </summary>
    [Fact]
    public async Task Seed_scheme_2_offers_alpn_and_sni_too()
    {
        await using var proxy = new RecordingProxy(tls.PskPort);
        var key = new PskKey(TlsMosquittoFixture.Identity, tls.Key);
        await using var modem = await ModemUnderTest.InProcessAsync(Dialect.Seed, new TlsCredentials { Psk = key });
        await modem.UserCfgAsync(2, Unique.Id("psk-alpn"));
        await modem.OkAsync("AT+MQTTALPN=0,2,\"mqtt\",\"x-atmqtt/1\"");
        await modem.OkAsync($"AT+MQTTSNI=0,\"{Pki.BrokerName}\"");
        await modem.ConnectAsync(2, proxy.Port);
        var hello = await proxy.NextHelloAsync(Patience);
        await modem.OkAsync("AT+MQTTCLEAN=0");
        Assert.NotEqual(RecordingProxy.NotAClientHello, hello.ServerName);
        Assert.Equal(["mqtt", "x-atmqtt/1"], hello.Alpn);
        Assert.Equal(Pki.BrokerName, hello.ServerName);
    }

}
