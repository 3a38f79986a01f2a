using System.Diagnostics;
using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.EndToEnd.Tests.Reliability;

/// <summary>
/// Item 3: the network between modem and broker fails. A loopback proxy plays the network: it goes
/// silent (keepalive must notice), refuses connections (the backoff of SPEC section 4 must show), or
/// carries a refused CONNECT (bad credentials: ERROR once, no retries).
/// </summary>
public sealed class LinkFaultTests(MosquittoFixture mosquitto, ITestOutputHelper output) : IClassFixture<MosquittoFixture>
{
    private const int KeepAlive = 4;

    /// <summary>
    /// keepalive 4 s; the proxy stops forwarding but keeps both sockets open. +MQTTDISCONNECTED:0 must
    /// come within 1.5 keepalive periods of the silence starting, and +MQTTCONNECTED once it forwards
    /// again. The second time a QoS 1 publish is waiting when the network goes silent: it answers ERROR.
    /// </summary>
    [Fact]
    public async Task SilentNetwork_IsDetectedWithinOneAndAHalfKeepalives_AndTheLinkComesBack()
    {
        await using var proxy = TcpProxy.Start(mosquitto.Broker.Port);
        await using var modem = await LiveModem.StartAsync();
        string topic = "silent/" + Guid.NewGuid().ToString("N")[..10];
        await modem.ConnectLinkAsync("silent-" + Guid.NewGuid().ToString("N")[..10], proxy.Port, reconnect: 1, connCfg: $"AT+MQTTCONNCFG=0,{KeepAlive},0,\"\",\"\",0,0");
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, mosquitto.Broker.Port);
        await probe.SubscribeAsync(topic, 1);
        var bound = TimeSpan.FromSeconds(KeepAlive * 1.5);

        // 1. An idle link: quiet for a while first (part of the scenario, not a wait for an event), so that
        // the silence is not measured from the CONNACK.
        await Task.Delay(1500);
        var silence = Stopwatch.StartNew();
        proxy.Pause();
        await modem.ExpectBytesAsync("+MQTTDISCONNECTED:0\r\n", bound + TimeSpan.FromSeconds(5));
        var detected = silence.Elapsed;
        output.WriteLine($"idle link: +MQTTDISCONNECTED:0 {detected.TotalSeconds:F2} s after the network went silent (bound {bound.TotalSeconds} s)");
        Assert.True(detected <= bound, $"Silence detected after {detected.TotalSeconds:F2} s, over 1.5 keepalive ({bound.TotalSeconds} s)");

        proxy.Resume();
        await modem.ExpectBytesAsync(LiveModem.ConnectedUrc(proxy.Port, 1), TimeSpan.FromSeconds(10));
        await modem.OkAsync($"AT+MQTTPUB=0,\"{topic}\",\"after-first\",1,0");
        await ExpectMessageAsync(probe, "after-first");

        // 2. A QoS 1 publish in flight when the network goes silent (again after a quiet while).
        await Task.Delay(1500);
        proxy.Pause();
        silence.Restart();
        string reply = await modem.CommandAsync($"AT+MQTTPUB=0,\"{topic}\",\"lost-in-silence\",1,0", bound + TimeSpan.FromSeconds(10));
        var answered = silence.Elapsed;
        Assert.Equal($"AT+MQTTPUB=0,\"{topic}\",\"lost-in-silence\",1,0\r\n\r\nERROR\r\n", reply);
        await modem.ExpectBytesAsync("+MQTTDISCONNECTED:0\r\n", bound + TimeSpan.FromSeconds(5));
        detected = silence.Elapsed;
        output.WriteLine($"publishing link: ERROR after {answered.TotalSeconds:F2} s, +MQTTDISCONNECTED:0 after {detected.TotalSeconds:F2} s");
        Assert.True(detected <= bound, $"Silence detected after {detected.TotalSeconds:F2} s, over 1.5 keepalive ({bound.TotalSeconds} s)");

        proxy.Resume();
        await modem.ExpectBytesAsync(LiveModem.ConnectedUrc(proxy.Port, 1), TimeSpan.FromSeconds(10));
        await modem.OkAsync($"AT+MQTTPUB=0,\"{topic}\",\"after-second\",1,0");
        await ExpectMessageAsync(probe, "after-second");
    }

    /// <summary>
    /// A broker that refuses the credentials: CONN answers +MQTTDISCONNECTED:0 and ERROR, and the
    /// modem does not try again by itself (even with reconnect=1): exactly one connection in 5 s.
    /// The right password then connects.
    /// </summary>
    [Fact]
    public async Task BadCredentials_AnswerErrorOnce_WithoutRetrying()
    {
        const string user = "modem";
        const string password = "right-password";
        await using var broker = await MosquittoBroker.StartWithPasswordsAsync((user, password));
        await using var proxy = TcpProxy.Start(broker.Port);
        await using var modem = await LiveModem.StartAsync();
        string clientId = "creds-" + Guid.NewGuid().ToString("N")[..10];

        await modem.OkAsync($"AT+MQTTUSERCFG=0,1,\"{clientId}\",\"{user}\",\"wrong-password\",0,0,\"\"");
        var sw = Stopwatch.StartNew();
        await modem.ExpectAsync($"AT+MQTTCONN=0,\"{FreePort.Host}\",{proxy.Port},1", "+MQTTDISCONNECTED:0\r\n\r\nERROR\r\n");
        output.WriteLine($"refused CONN answered in {sw.Elapsed.TotalMilliseconds:F0} ms");

        await modem.AssertSilentAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(1, proxy.AcceptCount);
        await modem.ExpectAsync("AT+MQTTCONN?", $"+MQTTCONN:0,disconnect,1,\"{FreePort.Host}\",{proxy.Port},1\r\n\r\nOK\r\n");

        // The host may correct itself: a failed CONN leaves the configuration to change and retry.
        await modem.OkAsync($"AT+MQTTUSERCFG=0,1,\"{clientId}\",\"{user}\",\"{password}\",0,0,\"\"");
        await modem.ExpectAsync($"AT+MQTTCONN=0,\"{FreePort.Host}\",{proxy.Port},1", LiveModem.ConnectedUrc(proxy.Port, 1) + "\r\nOK\r\n");
        Assert.Equal(2, proxy.AcceptCount);
    }

    private static async Task ExpectMessageAsync(MqttProbe probe, string payload)
    {
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var m = await probe.NextAsync(LiveModem.Timeout - sw.Elapsed);
            if (m.PayloadText == payload)
            {
                return;
            }

            // An ERROR'd publish may still arrive (it can have reached the broker before the silence): allowed.
            Assert.Equal("lost-in-silence", m.PayloadText);
        }
    }
}
