using System.Security.Cryptography.X509Certificates;
using AtMqtt.Core.Dialects;
using AtMqtt.Core.Mqtt.Transport;
using Xunit;

namespace AtMqtt.EndToEnd.Tests.Tls;

/// <summary>
/// ESP-AT schemes 6..10 (MQTT over WebSocket and WSS, with the USERCFG path) against MQTTnet's broker
/// on Kestrel: 6 plain; 7 TLS unchecked; 8 verifies the server; 9 presents the client certificate; 10 both.
/// </summary>
public sealed class WebSocketTests(WebSocketBrokerFixture broker) : IClassFixture<WebSocketBrokerFixture>
{
    private const uint TlsConfigError = 0x010a6009;
    private const uint ClientStartFailed = 0x010a600b;
    private const uint HostnameVerifyFailed = 0x010a6052;
    private const string Path = WebSocketBrokerFixture.Path;

    private static readonly Dialect EspAt = Dialect.EspAt();

    [Fact]
    public async Task Scheme_6_connects_on_the_path_publishes_and_receives()
    {
        await using var modem = await ModemUnderTest.InProcessAsync(EspAt);
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.TcpPort);
        await modem.UserCfgAsync(6, Unique.Id("ws6"), Path);
        await modem.ConnectAsync(6, broker.WsPort, Path);
        await modem.RoundTripAsync(probe, Unique.Topic("ws6"));
        await modem.ExpectAsync("AT+MQTTCONN?", $"+MQTTCONN:0,6,6,\"{FreePort.Host}\",\"{broker.WsPort}\",\"{Path}\",0\r\n\r\nOK\r\n");
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    /// <summary>A path given without its leading slash is the same path, and shows with the slash.</summary>
    [Fact]
    public async Task Scheme_6_path_without_a_leading_slash()
    {
        await using var modem = await ModemUnderTest.InProcessAsync(EspAt);
        await modem.UserCfgAsync(6, Unique.Id("ws6-slash"), Path.TrimStart('/'));
        await modem.ConnectAsync(6, broker.WsPort, Path);
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    [Fact]
    public async Task Scheme_6_on_a_path_the_server_does_not_serve_fails_quickly()
    {
        await using var modem = await ModemUnderTest.InProcessAsync(EspAt);
        await modem.OkAsync("AT+SYSLOG=1");
        await modem.UserCfgAsync(6, Unique.Id("ws6-404"), "/nothing-here");
        await modem.ConnectFailsAsync(broker.WsPort, ClientStartFailed);
        await modem.LogContainsAsync("/nothing-here");
        await modem.AssertHealthyAsync(6, broker.WsPort, Path);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Scheme_7_connects_without_checking_the_server(bool dnsOnlyCertificate)
    {
        await using var modem = await ModemUnderTest.InProcessAsync(EspAt);
        int port = dnsOnlyCertificate ? broker.WssDnsOnlyPort : broker.WssPort;
        await modem.UserCfgAsync(7, Unique.Id("wss7"), Path);
        await modem.ConnectAsync(7, port, Path);
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.TcpPort);
        await modem.RoundTripAsync(probe, Unique.Topic("wss7"));
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    [Fact]
    public async Task Scheme_8_verifies_the_server_publishes_and_receives()
    {
        await using var modem = await ModemUnderTest.InProcessAsync(EspAt, Pki.Credentials(ca: broker.Pki));
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.TcpPort);
        await modem.UserCfgAsync(8, Unique.Id("wss8"), Path);
        await modem.ConnectAsync(8, broker.WssPort, Path);
        await modem.RoundTripAsync(probe, Unique.Topic("wss8"));
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    [Fact]
    public async Task Scheme_8_with_a_wrong_ca_or_none_fails_and_says_why()
    {
        await using (var modem = await ModemUnderTest.InProcessAsync(EspAt, Pki.Credentials(ca: broker.Stranger)))
        {
            await modem.OkAsync("AT+SYSLOG=1");
            await modem.UserCfgAsync(8, Unique.Id("wss8-wrongca"), Path);
            await modem.ConnectFailsAsync(broker.WssPort, TlsConfigError);
            await modem.LogContainsAsync("not signed by the configured CA");
            await modem.AssertHealthyAsync(6, broker.WsPort, Path);
        }

        await using (var modem = await ModemUnderTest.InProcessAsync(EspAt))
        {
            await modem.OkAsync("AT+SYSLOG=1");
            await modem.UserCfgAsync(8, Unique.Id("wss8-noca"), Path);
            await modem.ConnectFailsAsync(broker.WssPort, TlsConfigError);
            await modem.LogContainsAsync("not trusted by the system store");
        }
    }

    [Fact]
    public async Task Scheme_8_with_a_wrong_host_name_fails_unless_sni_names_the_certificate()
    {
        await using var modem = await ModemUnderTest.InProcessAsync(EspAt, Pki.Credentials(ca: broker.Pki));
        await modem.OkAsync("AT+SYSLOG=1");
        await modem.UserCfgAsync(8, Unique.Id("wss8-name"), Path);
        await modem.ConnectFailsAsync(broker.WssDnsOnlyPort, HostnameVerifyFailed);
        await modem.LogContainsAsync("AT+MQTTSNI");
        await modem.OkAsync($"AT+MQTTSNI=0,\"{Pki.BrokerName}\"");
        await modem.ConnectAsync(8, broker.WssDnsOnlyPort, Path);
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.TcpPort);
        await modem.RoundTripAsync(probe, Unique.Topic("wss8-sni"));
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    [Theory]
    [InlineData(9)]
    [InlineData(10)]
    public async Task Schemes_9_and_10_with_the_client_certificate_connect(int scheme)
    {
        await using var modem = await ModemUnderTest.InProcessAsync(EspAt, Pki.Credentials(ca: broker.Pki, client: broker.Client));
        await modem.UserCfgAsync(scheme, Unique.Id($"wss{scheme}"), Path);
        await modem.ConnectAsync(scheme, broker.WssMutualPort, Path);
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.TcpPort);
        await modem.RoundTripAsync(probe, Unique.Topic($"wss{scheme}"));
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    /// <summary>The program provisioned by its options: scheme 10 with --ca, --client-cert and --client-key.</summary>
    [Fact]
    public async Task Scheme_10_with_the_certificate_options_connects()
    {
        await using var modem = await ModemUnderTest.ProcessAsync(
            "--dialect", "esp-at", "--ca", broker.CaFile, "--client-cert", broker.ClientCertFile, "--client-key", broker.ClientKeyFile);
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.TcpPort);
        await modem.UserCfgAsync(10, Unique.Id("wss10-cli"), Path);
        await modem.ConnectAsync(10, broker.WssMutualPort, Path);
        await modem.RoundTripAsync(probe, Unique.Topic("wss10-cli"));
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    /// <summary>
    /// Schemes 6..10 through the program, provisioned by its options alone: the WebSocket and TLS code paths of the
    /// build under test (the Native AOT binary too, under $ATMQTT_PROGRAM: scripts/test-aot.sh).
    /// </summary>
    [Theory]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    [InlineData(9)]
    [InlineData(10)]
    public async Task The_program_connects_publishes_and_receives_with_scheme(int scheme)
    {
        await using var modem = await ModemUnderTest.ProcessAsync(
            "--dialect", "esp-at", "--ca", broker.CaFile, "--client-cert", broker.ClientCertFile, "--client-key", broker.ClientKeyFile);
        int port = scheme switch { 6 => broker.WsPort, 7 or 8 => broker.WssPort, _ => broker.WssMutualPort };
        await modem.UserCfgAsync(scheme, Unique.Id($"prog{scheme}"), Path);
        await modem.ConnectAsync(scheme, port, Path);
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.TcpPort);
        await modem.RoundTripAsync(probe, Unique.Topic($"prog{scheme}"));
        await modem.OkAsync("AT+MQTTCLEAN=0");
    }

    [Theory]
    [InlineData(9)]
    [InlineData(10)]
    public async Task Schemes_9_and_10_without_a_configured_certificate_fail_at_once(int scheme)
    {
        await using var modem = await ModemUnderTest.InProcessAsync(EspAt, Pki.Credentials(ca: broker.Pki));
        await modem.OkAsync("AT+SYSLOG=1");
        await modem.UserCfgAsync(scheme, Unique.Id($"wss{scheme}-none"), Path);
        await modem.ConnectFailsAsync(broker.WssMutualPort, TlsConfigError);
        await modem.LogContainsAsync("--client-cert");
        await modem.AssertHealthyAsync(6, broker.WsPort, Path);
    }

    /// <summary>Schemes 7 and 8 present no certificate: an endpoint that requires one refuses them.</summary>
    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    public async Task An_endpoint_that_requires_a_certificate_refuses_schemes_without_one(int scheme)
    {
        await using var modem = await ModemUnderTest.InProcessAsync(EspAt, Pki.Credentials(ca: broker.Pki, client: broker.Client));
        await modem.OkAsync("AT+SYSLOG=1");
        await modem.UserCfgAsync(scheme, Unique.Id($"wss{scheme}-nocert"), Path);
        await modem.ConnectFailsAsync(broker.WssMutualPort, ClientStartFailed);
        await modem.AssertHealthyAsync(6, broker.WsPort, Path);
    }

    /// <summary>
    /// WSS offers AT+MQTTALPN's protocols too (seen by a transparent relay in front of Kestrel, which
    /// speaks only http/1.1 and so picks it from the list).
    /// </summary>
    [Fact]
    public async Task Wss_offers_the_alpn_protocols()
    {
        await using var proxy = new RecordingProxy(broker.WssPort);
        await using var modem = await ModemUnderTest.InProcessAsync(EspAt, Pki.Credentials(ca: broker.Pki));
        await modem.UserCfgAsync(8, Unique.Id("wss-alpn"), Path);
        await modem.OkAsync("AT+MQTTALPN=0,2,\"x-atmqtt/1\",\"http/1.1\"");
        await modem.ConnectAsync(8, proxy.Port, Path);
        var hello = await proxy.NextHelloAsync(TimeSpan.FromSeconds(10));
        await modem.OkAsync("AT+MQTTCLEAN=0");
        Assert.Equal(["x-atmqtt/1", "http/1.1"], hello.Alpn);
    }
}
