using AtMqtt.Core.Instrument;
using AtMqtt.Testing;
using Microsoft.Extensions.Time.Testing;
using MQTTnet.Protocol;
using Xunit;
using static AtMqtt.Core.Tests.Commands.Simcom.SimcomHost;

namespace AtMqtt.Core.Tests.Commands.Simcom;

/// <summary>
/// The mobile network under simcom-a7670's MQTT service (docs/cellular.md, "The hook for the MQTT clients";
/// docs/simcom.md): the network's own lines first, then <c>+CMQTTCONNLOST: &lt;i&gt;,3</c> for each connected client
/// and <c>+CMQTTNONET</c> once; the broker publishes the will; the host starts the service and connects again once
/// the network is back. Also AT+NETOPEN/AT+NETCLOSE's result URCs on the timing model, the CONNECT results the
/// broker causes (26..31), and wifi-drop refused on a cellular profile.
/// </summary>
public class CmqttNetworkTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    [Fact]
    public async Task Pdp_deactivated_is_the_networks_lines_then_CONNLOST_3_and_NONET_and_the_host_connects_again_after_it()
    {
        await using var m = await StartAsync();
        string t = Text.Unique("spdp");
        await using var watcher = await broker.ProbeAsync();
        await watcher.SubscribeAsync($"{t}/#", 1);
        await m.CommandAsync("AT+NETOPEN", Ok + Urc("+NETOPEN: 0"));
        await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
        string id = Unique.Id("spdp");
        await m.CommandAsync($"AT+CMQTTACCQ=0,\"{id}\"", Ok);
        await EnterAsync(m, $"AT+CMQTTWILLTOPIC=0,{t.Length + 2}", $"{t}/w");
        await EnterAsync(m, "AT+CMQTTWILLMSG=0,4,1", "gone");
        await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:{broker.Port}\",60,1", Ok + Urc("+CMQTTCONNECT: 0,0"));

        // As a SIM7600 after the network closed (reference §7): +CIPEVENT, then +CMQTTCONNLOST: 0,3, then +CMQTTNONET.
        var fault = m.Modem.Faults.Start(new FaultSpec { Kind = FaultKinds.PdpDeactivated });
        await m.ExpectAsync(Urc("+CGEV: NW PDN DEACT 1") + Urc("+CIPEVENT: NETWORK CLOSED UNEXPECTEDLY") + Urc("+CMQTTCONNLOST: 0,3") + Urc("+CMQTTNONET"));
        var will = await watcher.NextAsync(Wait);
        Assert.Equal(($"{t}/w", "gone"), (will.Topic, will.PayloadText));

        // The service must be started again; without a bearer the socket cannot open (3).
        await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
        await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:{broker.Port}\",60,1", Refused("+CMQTTCONNECT: 0,3"));
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(300));

        // Nothing comes back by itself: the host opens the network again, then connects.
        m.Modem.Faults.End(fault.Id);
        await m.CommandAsync("AT+NETOPEN", Ok + Urc("+NETOPEN: 0"));
        await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:{broker.Port}\",60,1", Ok + Urc("+CMQTTCONNECT: 0,0"));
        Assert.True(m.Modem.Links[0].IsConnected);
    }

    [Fact]
    public async Task NETCLOSE_takes_the_MQTT_service_with_it()
    {
        await using var m = await StartAsync();
        await m.CommandAsync("AT+NETOPEN", Ok + Urc("+NETOPEN: 0"));
        await ConnectAsync(m, 1, Unique.Id("sclose"), broker.Port);
        await m.CommandAsync("AT+NETCLOSE", Ok + Urc("+CMQTTCONNLOST: 1,3") + Urc("+CMQTTNONET") + Urc("+NETCLOSE: 0"));
        await m.CommandAsync("AT+CMQTTACCQ?", Error);
    }

    [Fact]
    public async Task Radio_off_with_no_client_connected_is_NONET_alone_and_CONNECT_needs_the_bearer_back()
    {
        await using var m = await StartAsync();
        await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
        await m.CommandAsync($"AT+CMQTTACCQ=0,\"{Unique.Id("soff")}\"", Ok);
        await m.CommandAsync("AT+CFUN=4", Ok + Urc("+CMQTTNONET"));
        await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
        await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:{broker.Port}\",60,1", Refused("+CMQTTCONNECT: 0,3"));

        // Back to full functionality: the default bearer comes up with the attach (its URC), and CONNECT works.
        await m.CommandAsync("AT+CFUN=1", Ok + Urc("+CGEV: EPS PDN ACT 1"));
        await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:{broker.Port}\",60,1", Ok + Urc("+CMQTTCONNECT: 0,0"));
    }

    [Fact]
    public async Task Wifi_drop_is_refused_on_a_cellular_profile()
    {
        await using var m = await StartAsync();
        var ex = Assert.Throws<FaultSpecException>(() => m.Modem.Faults.Start(new FaultSpec { Kind = FaultKinds.WifiDrop }));
        Assert.Equal("kind: wifi-drop is a Wi-Fi module's fault; this modem is the simcom-a7670 profile, a cellular one: registration-lost or pdp-deactivated take its network away", ex.Message);
        var unknown = Assert.Throws<FaultSpecException>(() => m.Modem.Faults.Start(new FaultSpec { Kind = "flood" }));
        Assert.Equal("kind: unknown fault kind 'flood'; one of broker-unreachable, broker-stall, ack-delay, publish-fail, error, busy, urc-in-prompt, uart-noise, slow-host-link, registration-lost, pdp-deactivated", unknown.Message);
        Assert.Empty(m.Modem.Faults.Active);
    }

    [Fact]
    public async Task NETOPEN_and_NETCLOSE_results_come_the_result_delay_after_their_OK()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UnixEpoch);
        await using var m = await StartAsync(resultDelay: TimeSpan.FromMilliseconds(300), time: time);
        foreach (var (command, urc) in new[] { ("AT+NETOPEN", "+NETOPEN: 0"), ("AT+NETCLOSE", "+NETCLOSE: 0") })
        {
            await m.CommandAsync(command, Ok);
            await m.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
            time.Advance(TimeSpan.FromMilliseconds(299));
            await m.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
            time.Advance(TimeSpan.FromMilliseconds(1));
            await m.ExpectAsync(Urc(urc));
        }
    }

    /// <summary>A7670 result codes 26..31 of AT+CMQTTCONNECT: the broker's CONNACK return codes 1..5, and no CONNACK at all.</summary>
    [Theory]
    [InlineData(MqttConnectReasonCode.UnsupportedProtocolVersion, 27)]
    [InlineData(MqttConnectReasonCode.ClientIdentifierNotValid, 28)]
    [InlineData(MqttConnectReasonCode.ServerUnavailable, 29)]
    [InlineData(MqttConnectReasonCode.NotAuthorized, 31)]
    [InlineData(null, 26)]
    public async Task A_CONNECT_the_broker_refuses_or_closes_is_its_result_code(MqttConnectReasonCode? refusal, int err)
    {
        await using var m = await StartAsync();
        string id = Unique.Id("scode");
        if (refusal is { } code)
        {
            broker.Refuse(id, code);
        }
        else
        {
            broker.CloseOnConnect(id);
        }

        try
        {
            await m.CommandAsync("AT+CMQTTSTART", Ok + Urc("+CMQTTSTART: 0"));
            await m.CommandAsync($"AT+CMQTTACCQ=0,\"{id}\"", Ok);
            await m.CommandAsync($"AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:{broker.Port}\",60,1", Ok + Urc($"+CMQTTCONNECT: 0,{err}"));
            Assert.Equal(1, broker.ConnectCount(id));
            Assert.False(m.Modem.Links[0].IsConnected);
        }
        finally
        {
            broker.Allow(id);
        }
    }
}
