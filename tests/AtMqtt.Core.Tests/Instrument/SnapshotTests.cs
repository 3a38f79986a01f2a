using AtMqtt.Core.Dialects;
using Xunit;

namespace AtMqtt.Core.Tests.Instrument;

/// <summary>Modem.Snapshot: every field of the state a test reads through GET /api/state, and no secret in it.</summary>
public class SnapshotTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    [Fact]
    public async Task A_new_modem_shows_power_on_state()
    {
        await using var s = await InMemoryModem.StartAsync(new ModemOptions { Dialect = Dialect.EspAt(), RxQueue = 7 });
        var state = s.Modem.Snapshot();

        Assert.Equal("esp-at", state.Dialect);
        Assert.True(state.HostAttached);
        Assert.True(state.Echo);
        Assert.Equal(new Core.Instrument.LinkState("idle", null, null, null, null, null, 120, true), state.Link);
        Assert.Empty(state.Subscriptions);
        Assert.Equal(new Core.Instrument.InboundState(0, 7, 0, 0), state.Inbound);
        Assert.Equal(new Core.Instrument.WifiState(false, null), state.Wifi);
        Assert.Equal(115200, state.UartBaud);
        Assert.Equal(0, state.Counters.Commands);
        Assert.Equal([0, 0, 0], state.Counters.PublishedByQos);
        Assert.Equal([0, 0, 0], state.Counters.ReceivedByQos);
        Assert.Empty(state.Faults);
        Assert.Empty(state.Findings);
        Assert.Null(state.Scenario);

        await s.DetachAsync();
        Assert.False(s.Modem.Snapshot().HostAttached);
    }

    [Fact]
    public async Task The_link_subscriptions_Wifi_and_counters_show_what_the_host_did()
    {
        const string Password = "pw-Zq81-secret";
        const string WifiPassword = "wifi-Kx42-secret";
        var id = Unique.Id("snap");
        var topic = Unique.Topic("snap");
        await using var s = await InMemoryModem.StartAsync();
        await using var probe = await broker.ProbeAsync();

        await s.CommandAsync($"AT+CWJAP=\"lab-ap\",\"{WifiPassword}\"", "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{id}\",\"user\",\"{Password}\",0,0,\"\"", InMemoryModem.Ok);
        await s.CommandAsync("AT+MQTTCONNCFG=0,45,1,\"\",\"\",0,0", InMemoryModem.Ok);
        await s.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{broker.Port},1", $"+MQTTCONNECTED:0,1,\"127.0.0.1\",{broker.Port},1\r\n" + InMemoryModem.Ok);
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1", InMemoryModem.Ok);
        await s.CommandAsync($"AT+MQTTPUB=0,\"{topic}/out\",\"a\",1,0", InMemoryModem.Ok);
        await s.CommandAsync($"AT+MQTTPUB=0,\"{topic}/out\",\"b\",0,0", InMemoryModem.Ok);
        await s.CommandAsync("AT+NOPE", InMemoryModem.Error);
        await s.CommandAsync("ATE0", InMemoryModem.Ok);
        await probe.PublishAsync(topic, "in", qos: 1);
        await s.ExpectAsync($"+MQTTSUBRECV:0,\"{topic}\",2,in\r\n");

        // The broker side agrees with what the snapshot says.
        var connect = broker.LastConnect(id);
        Assert.NotNull(connect);
        Assert.Equal(45, connect.KeepAlive);
        Assert.False(connect.CleanSession);

        var state = s.Modem.Snapshot();
        Assert.False(state.Echo);
        Assert.Equal(new Core.Instrument.LinkState("connected", 1, "127.0.0.1", broker.Port, true, id, 45, false), state.Link);
        Assert.Equal([new Core.Instrument.SubscriptionState(topic, 1)], state.Subscriptions);
        Assert.Equal(new Core.Instrument.WifiState(true, "lab-ap"), state.Wifi);
        Assert.Equal(9, state.Counters.Commands);
        Assert.Equal(1, state.Counters.Errors);
        Assert.Equal([1, 1, 0], state.Counters.PublishedByQos);
        Assert.Equal([0, 1, 0], state.Counters.ReceivedByQos);
        Assert.Equal(0, state.Counters.Reconnects);

        // Records print every member: neither password is anywhere in the state.
        string text = state.ToString();
        Assert.DoesNotContain(Password, text);
        Assert.DoesNotContain(WifiPassword, text);

        await broker.KickAsync(id);
        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
        await s.ExpectAsync($"+MQTTCONNECTED:0,1,\"127.0.0.1\",{broker.Port},1\r\n");
        Assert.Equal(1, s.Modem.Snapshot().Counters.Reconnects);
        await s.SendAsync("AT+MQTTCLEAN=0\r\n");
        await s.ExpectAsync(InMemoryModem.Ok);
    }
}
