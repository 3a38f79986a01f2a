using AtMqtt.Core;
using AtMqtt.Core.Dialects;
using AtMqtt.Core.Mqtt.Transport;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Mqtt.Transport;

/// <summary>
/// The USERCFG scheme in each dialect (SPEC section 1): the seed's 1 TCP and 2 TLS-PSK; ESP-AT's
/// 1 TCP, 2..5 TLS, 6 WebSocket, 7..10 WSS. Each carrier connects to a real mosquitto (TLS and
/// TLS-PSK listeners of its own; WebSocket through a loopback bridge), and the connected line and
/// state query show the scheme number.
/// </summary>
public sealed class SchemeTests(TlsMosquittoFixture tls) : IClassFixture<TlsMosquittoFixture>
{
    [Theory]
    [InlineData("esp-at", 10)]
    [InlineData("seed", 2)]
    public async Task Usercfg_takes_the_dialect_schemes(string dialect, int max)
    {
        await using var m = await StartAsync(Dialect.FromName(dialect)!);
        await m.SysLogOnAsync();
        await m.CommandAsync("AT+MQTTUSERCFG=0,0,\"c\",\"\",\"\",0,0,\"\"", Err(0x010a6013));
        await m.CommandAsync($"AT+MQTTUSERCFG=0,{max + 1},\"c\",\"\",\"\",0,0,\"\"", Err(0x010a6013));
        await m.CommandAsync("AT+MQTTCONN?", dialect == "seed" ? "+MQTTCONN:0,disconnect,0,\"\",0,0\r\n" + Ok : "+MQTTCONN:0,0,0,\"\",\"0\",\"\",0\r\n" + Ok);
        for (int scheme = 1; scheme <= max; scheme++)
        {
            await m.CommandAsync($"AT+MQTTUSERCFG=0,{scheme},\"c\",\"\",\"\",0,0,\"mqtt\"", Ok);
            await m.CommandAsync("AT+MQTTCONN?", dialect == "seed"
                ? $"+MQTTCONN:0,disconnect,{scheme},\"\",0,0\r\n" + Ok
                : $"+MQTTCONN:0,1,{scheme},\"\",\"0\",\"/mqtt\",0\r\n" + Ok);
        }
    }

    [Fact]
    public async Task Esp_at_scheme_2_is_tls_without_checking_the_server()
    {
        await using var m = await StartAsync(Dialect.EspAt());
        await m.CommandAsync($"AT+MQTTUSERCFG=0,2,\"{Unique.Id("tls")}\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{tls.TlsPort},1",
            $"+MQTTCONNECTED:0,2,\"127.0.0.1\",\"{tls.TlsPort}\",\"\",1\r\n" + Ok);
        await RoundTripAsync(m);
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,6,2,\"127.0.0.1\",\"{tls.TlsPort}\",\"\",1\r\n" + Ok);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Esp_at_scheme_3_verifies_the_server_certificate_and_name()
    {
        string connect = $"AT+MQTTCONN=0,\"127.0.0.1\",{tls.TlsPort},0";
        string connected = $"+MQTTCONNECTED:0,3,\"127.0.0.1\",\"{tls.TlsPort}\",\"\",0\r\n" + Ok;

        // Not signed by anything the modem trusts (the system store).
        await using (var m = await StartAsync(Dialect.EspAt()))
        {
            await m.SysLogOnAsync();
            await m.CommandAsync($"AT+MQTTUSERCFG=0,3,\"{Unique.Id("tls3")}\",\"\",\"\",0,0,\"\"", Ok);
            await m.CommandAsync(connect, "+MQTTDISCONNECTED:0\r\n" + Err(0x010a6009));
        }

        await using var trusting = await StartAsync(new ModemOptions { Dialect = Dialect.EspAt(), Credentials = tls.TrustingCa });
        await trusting.SysLogOnAsync();
        await trusting.CommandAsync($"AT+MQTTUSERCFG=0,3,\"{Unique.Id("tls3")}\",\"\",\"\",0,0,\"\"", Ok);
        await trusting.CommandAsync(connect, connected);
        await RoundTripAsync(trusting);
        await trusting.CommandAsync("AT+MQTTCLEAN=0", Ok);

        // AT+MQTTSNI names the server the certificate must carry.
        await trusting.CommandAsync($"AT+MQTTUSERCFG=0,3,\"{Unique.Id("tls3")}\",\"\",\"\",0,0,\"\"", Ok);
        await trusting.CommandAsync("AT+MQTTSNI=0,\"broker.example.com\"", Ok);
        await trusting.CommandAsync(connect, "+MQTTDISCONNECTED:0\r\n" + Err(0x010a6052));
        await trusting.CommandAsync($"AT+MQTTSNI=0,\"{Pki.BrokerName}\"", Ok);
        await trusting.CommandAsync(connect, connected);
        await trusting.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(9)]
    [InlineData(10)]
    public async Task Esp_at_client_certificate_schemes_need_one(int scheme)
    {
        await using var m = await StartAsync(new ModemOptions { Dialect = Dialect.EspAt(), Credentials = tls.TrustingCa });
        await m.SysLogOnAsync();
        await m.CommandAsync($"AT+MQTTUSERCFG=0,{scheme},\"c\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{tls.TlsPort},0", "+MQTTDISCONNECTED:0\r\n" + Err(0x010a6009));
    }

    [Fact]
    public async Task Esp_at_scheme_6_is_websocket_on_the_usercfg_path()
    {
        await using var bridge = new WebSocketBridge(tls.Port);
        await using var m = await StartAsync(Dialect.EspAt());
        await m.CommandAsync($"AT+MQTTUSERCFG=0,6,\"{Unique.Id("ws")}\",\"\",\"\",0,0,\"mqtt\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{bridge.Port},1",
            $"+MQTTCONNECTED:0,6,\"127.0.0.1\",\"{bridge.Port}\",\"/mqtt\",1\r\n" + Ok);
        Assert.Equal("/mqtt", bridge.RequestPath);
        Assert.Equal("mqtt", bridge.Subprotocol);
        await RoundTripAsync(m);
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,6,6,\"127.0.0.1\",\"{bridge.Port}\",\"/mqtt\",1\r\n" + Ok);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Esp_at_scheme_7_is_websocket_over_tls()
    {
        await using var bridge = new WebSocketBridge(tls.Port, tls.ServerIp.ForServer());
        await using var m = await StartAsync(Dialect.EspAt());
        await m.CommandAsync($"AT+MQTTUSERCFG=0,7,\"{Unique.Id("wss")}\",\"\",\"\",0,0,\"/ws\"", Ok);
        await m.CommandAsync($"AT+MQTTSNI=0,\"{Pki.BrokerName}\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{bridge.Port},0",
            $"+MQTTCONNECTED:0,7,\"127.0.0.1\",\"{bridge.Port}\",\"/ws\",0\r\n" + Ok);
        Assert.Equal("/ws", bridge.RequestPath);
        Assert.Equal(Pki.BrokerName, bridge.ServerName);
        await RoundTripAsync(m);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Seed_scheme_2_is_tls_psk_with_the_provisioned_key()
    {
        string connect = $"AT+MQTTCONN=0,\"127.0.0.1\",{tls.PskPort},1";
        await using (var m = await StartAsync(Dialect.Seed))
        {
            await m.SysLogOnAsync();
            await m.CommandAsync($"AT+MQTTUSERCFG=0,2,\"{Unique.Id("psk")}\",\"\",\"\",0,0,\"\"", Ok);
            await m.CommandAsync(connect, "+MQTTDISCONNECTED:0\r\n" + Err(0x010a6009));
        }

        await using var provisioned = await StartAsync(new ModemOptions { Dialect = Dialect.Seed, Credentials = tls.Psk });
        await provisioned.CommandAsync($"AT+MQTTUSERCFG=0,2,\"{Unique.Id("psk")}\",\"\",\"\",0,0,\"\"", Ok);
        await provisioned.CommandAsync(connect, $"+MQTTCONNECTED:0,2,\"127.0.0.1\",{tls.PskPort},1\r\n" + Ok);
        await RoundTripAsync(provisioned);
        await provisioned.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,connected,2,\"127.0.0.1\",{tls.PskPort},1\r\n" + Ok);
        await provisioned.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Wrong_psk_fails_the_handshake()
    {
        var wrong = new TlsCredentials { Psk = new PskKey(TlsMosquittoFixture.Identity, [1, 2, 3, 4]) };
        await using var m = await StartAsync(new ModemOptions { Dialect = Dialect.Seed, Credentials = wrong });
        await m.SysLogOnAsync();
        await m.CommandAsync($"AT+MQTTUSERCFG=0,2,\"{Unique.Id("psk")}\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{tls.PskPort},1,3000", "+MQTTDISCONNECTED:0\r\n" + Err(0x010a600b), TimeSpan.FromSeconds(10));
    }

    /// <summary>Subscribe, publish to it, receive it: MQTT works over the carrier.</summary>
    private static async Task RoundTripAsync(InMemoryModem m)
    {
        string topic = Unique.Topic("carrier");
        await m.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1", Ok);
        await m.CommandAsync($"AT+MQTTPUB=0,\"{topic}\",\"over the carrier\",1,0", Ok);
        await m.ExpectAsync($"+MQTTSUBRECV:0,\"{topic}\",16,over the carrier\r\n");
    }
}
