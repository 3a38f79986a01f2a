using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Profiles;
using Xunit;

namespace AtMqtt.Core.Tests.Engine;

/// <summary>
/// Several MQTT clients in one modem (Modem.Links, Profile.Clients): each link has its own configuration,
/// connection, subscriptions and will, its lines go through the one writer, and losing one leaves the
/// others alone. A test profile of ESP-AT's real command families with three clients: link 0 through
/// the AT commands, the others through the engine's API, reported the ESP-AT way with their own LinkID.
/// </summary>
public class MultiLinkTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(15);

    private static ModemOptions ThreeClients => new()
    {
        Profile = Profile.FromName("esp-at-5.0")! with { Clients = 3 },
        DataTimeout = TimeSpan.FromSeconds(5),
    };

    [Fact]
    public async Task An_ESP_AT_profile_has_one_link_and_Link_is_it()
    {
        await using var m = await InMemoryModem.StartAsync(new ModemOptions { Profile = Profile.FromName("esp-at-5.0") });
        var link = Assert.Single(m.Modem.Links);
        Assert.Same(link, m.Modem.Link);
        Assert.Equal(0, link.Index);
        Assert.Equal(TimeSpan.Zero, m.Modem.ResultDelay);
        var state = m.Modem.Snapshot();
        Assert.Equal(0, Assert.Single(state.Links).Index);
        Assert.Equal(state.Link, state.Links[0].Link);
    }

    [Fact]
    public async Task Links_have_their_own_connection_subscriptions_and_will_and_a_lost_one_leaves_the_others_alone()
    {
        await using var m = await InMemoryModem.StartAsync(ThreeClients);
        Assert.Equal(3, m.Modem.Links.Count);
        string t = Text.Unique("multi");
        await using var watcher = await broker.ProbeAsync();
        await watcher.SubscribeAsync($"{t}/will/#", 1);

        // Link 0 through ESP-AT's commands.
        string id0 = Unique.Id("l0");
        await m.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{id0}\",\"\",\"\",0,0,\"\"", InMemoryModem.Ok);
        await m.CommandAsync($"AT+MQTTCONNCFG=0,30,0,\"{t}/will/0\",\"gone0\",1,0", InMemoryModem.Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{broker.Port},0", $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{broker.Port}\",\"\",0\r\n" + InMemoryModem.Ok);
        await m.CommandAsync($"AT+MQTTSUB=0,\"{t}/to0\",1", InMemoryModem.Ok);

        // Links 1 and 2 through the engine, each with a client id and will of its own.
        var ids = new string[3];
        ids[0] = id0;
        for (int i = 1; i < 3; i++)
        {
            var link = m.Modem.Links[i];
            ids[i] = Unique.Id($"l{i}");
            link.Configure(new UserConfig(1, ids[i], "", [], 0, 0, ""));
            link.Configure(new ConnectionConfig(30, false, $"{t}/will/{i}", Text.Utf8($"gone{i}"), 1, false));
            Assert.Equal((ushort)0, await link.ConnectAsync(new BrokerTarget("127.0.0.1", broker.Port, false), Wait));
            Assert.Equal(MqttLink.SubscribeOutcome.Subscribed, await link.SubscribeAsync($"{t}/to{i}", 1, Wait));
        }

        Assert.All(m.Modem.Links, l => Assert.True(l.IsConnected));
        Assert.Equal([$"{t}/to0"], m.Modem.Links[0].Subscriptions.Select(s => s.Filter));
        Assert.Equal([$"{t}/to1"], m.Modem.Links[1].Subscriptions.Select(s => s.Filter));
        Assert.Equal(ids, m.Modem.Snapshot().Links.Select(l => l.Link.ClientId));
        Assert.Equal(ids, ids.Select(id => broker.LastConnect(id)?.ClientId));

        // A message for each link reaches the host on that link only, with its LinkID.
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync($"{t}/to1", "one", 1);
        await m.ExpectAsync($"+MQTTSUBRECV:1,\"{t}/to1\",3,one\r\n");
        await probe.PublishAsync($"{t}/to0", "zero", 1);
        await m.ExpectAsync($"+MQTTSUBRECV:0,\"{t}/to0\",4,zero\r\n");
        await probe.PublishAsync($"{t}/to2", "two", 0);
        await m.ExpectAsync($"+MQTTSUBRECV:2,\"{t}/to2\",3,two\r\n");

        // Link 1 loses its connection: its will goes out, its host line says so; links 0 and 2 stay up.
        m.Modem.Links[1].Cut("a test");
        await m.ExpectAsync("+MQTTDISCONNECTED:1\r\n");
        var will = await watcher.NextAsync(Wait);
        Assert.Equal(($"{t}/will/1", "gone1"), (will.Topic, will.PayloadText));
        Assert.Equal("dropped", m.Modem.Links[1].PhaseName);
        Assert.True(m.Modem.Links[0].IsConnected);
        Assert.True(m.Modem.Links[2].IsConnected);
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,6,1,\"127.0.0.1\",\"{broker.Port}\",\"\",0\r\n" + InMemoryModem.Ok);
        await probe.PublishAsync($"{t}/to0", "still", 1);
        await m.ExpectAsync($"+MQTTSUBRECV:0,\"{t}/to0\",5,still\r\n");
        await watcher.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));

        // Cleaning link 0 (a DISCONNECT: no will) does not touch link 2.
        await m.CommandAsync("AT+MQTTCLEAN=0", InMemoryModem.Ok);
        Assert.True(m.Modem.Links[2].IsConnected);
        await probe.PublishAsync($"{t}/to2", "last", 1);
        await m.ExpectAsync($"+MQTTSUBRECV:2,\"{t}/to2\",4,last\r\n");
        await watcher.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));
        await m.AssertAliveAsync();
    }

    [Fact]
    public async Task A_closed_link_drops_only_its_own_waiting_lines()
    {
        await using var m = await InMemoryModem.StartAsync(ThreeClients);
        string t = Text.Unique("scope");
        for (int i = 0; i < 2; i++)
        {
            var link = m.Modem.Links[i];
            link.Configure(new UserConfig(1, Unique.Id($"s{i}"), "", [], 0, 0, ""));
            Assert.Equal((ushort)0, await link.ConnectAsync(new BrokerTarget("127.0.0.1", broker.Port, false), Wait));
            Assert.Equal(MqttLink.SubscribeOutcome.Subscribed, await link.SubscribeAsync($"{t}/{i}", 1, Wait));
        }

        // The host is in a data phase (a response is open): both links' messages wait in the queue.
        await m.CommandAsync($"AT+MQTTPUBRAW=0,\"{t}/x\",3", "");
        await m.ExpectAsync("\r\nOK\r\n\r\n>");
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync($"{t}/0", "a", 1);
        await probe.PublishAsync($"{t}/1", "b", 1);
        await Poll.UntilAsync(() => m.Modem.Urcs.Pending == 2, "both messages queued", Wait);

        // Link 0 closes: its line goes, link 1's stays and comes out once the response is over.
        await m.Modem.Links[0].CloseAsync(graceful: true);
        await m.SendAsync("xyz");
        await m.ExpectAsync($"\r\n+MQTTPUB:FAIL\r\n+MQTTSUBRECV:1,\"{t}/1\",1,b\r\n");
        await m.AssertSilentAsync(TimeSpan.FromMilliseconds(300));
    }
}
