using System.Diagnostics;
using Xunit;

namespace AtMqtt.EndToEnd.Tests.Integration;

/// <summary>reconnect=1: the link survives a broker restart and its subscriptions are restored.</summary>
public sealed class ReconnectTests
{
    [Theory]
    [InlineData(BrokerKind.Mosquitto)]
    [InlineData(BrokerKind.Embedded)]
    public async Task Reconnect_SurvivesABrokerRestart_WithSubscriptionsRestored(BrokerKind kind)
    {
        await using var broker = await TestBroker.StandaloneAsync(kind);
        await using var modem = await LiveModem.StartAsync();
        string topic = Unique.Topic("reconnect");
        await modem.ConnectLinkAsync(Unique.Id("reconnect"), broker.Port, reconnect: 1);
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}\",1");
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}/more/#\",0");

        // The broker comes back without any session (persistence is off): only the modem can restore them.
        await broker.RestartAsync();
        await modem.ExpectBytesAsync("+MQTTDISCONNECTED:0\r\n", TimeSpan.FromSeconds(15));
        await modem.ExpectBytesAsync(LiveModem.ConnectedUrc(broker.Port, 1), TimeSpan.FromSeconds(20));

        await modem.ExpectAsync("AT+MQTTCONN?", $"+MQTTCONN:0,connected,1,\"127.0.0.1\",{broker.Port},1\r\n\r\nOK\r\n");
        await modem.ExpectAsync("AT+MQTTSUB?",
            $"+MQTTSUB:0,connected,\"{topic}\",1\r\n+MQTTSUB:0,connected,\"{topic}/more/#\",0\r\n\r\nOK\r\n");

        // The SUBSCRIBE goes out right after the URC; publish (bounded) until it is in place.
        await using var probe = await broker.ProbeAsync();
        string received = await PublishUntilReceivedAsync(modem, probe, topic);
        Assert.Matches("^\\+MQTTSUBRECV:0,\"" + topic + "\",\\d+,restored-\\d+\r\n$", received);

        await probe.PublishAsync($"{topic}/more/x", "second filter", 0, retain: false);
        string more = await modem.Host.ReadUntilAsync($"\"{topic}/more/x\",13,second filter\r\n", LiveModem.Timeout);
        Assert.DoesNotContain("+MQTTDISCONNECTED", more);

        // Publishing works again too.
        await probe.SubscribeAsync($"{topic}/out", 1);
        await modem.OkAsync($"AT+MQTTPUB=0,\"{topic}/out\",\"back\",1,0");
        Assert.Equal("back", (await probe.NextAsync(LiveModem.Timeout)).PayloadText);

        // And it survives a second restart the same way.
        await broker.RestartAsync();
        await modem.ExpectBytesAsync("+MQTTDISCONNECTED:0\r\n", TimeSpan.FromSeconds(15));
        await modem.ExpectBytesAsync(LiveModem.ConnectedUrc(broker.Port, 1), TimeSpan.FromSeconds(20));
        await using var probe2 = await broker.ProbeAsync();
        Assert.Matches("^\\+MQTTSUBRECV:0,\"" + topic + "\",\\d+,restored-\\d+\r\n$", await PublishUntilReceivedAsync(modem, probe2, topic));
    }

    [Fact]
    public async Task WithoutReconnect_ADropIsReported_AndTheHostMustCleanBeforeConnectingAgain()
    {
        await using var broker = await TestBroker.StandaloneAsync(BrokerKind.Mosquitto);
        await using var modem = await LiveModem.StartAsync();
        string clientId = Unique.Id("noreconnect");
        await modem.ConnectLinkAsync(clientId, broker.Port, reconnect: 0);

        await broker.RestartAsync();
        await modem.ExpectBytesAsync("+MQTTDISCONNECTED:0\r\n", TimeSpan.FromSeconds(15));

        // No retry behind the host's back.
        await modem.AssertSilentAsync(TimeSpan.FromSeconds(2.5));
        string query = await modem.CommandAsync("AT+MQTTCONN?");
        Assert.StartsWith("AT+MQTTCONN?\r\n+MQTTCONN:0,disconnect,", query);
        await modem.ExpectAsync($"AT+MQTTPUB=0,\"{Unique.Topic("noreconnect")}\",\"x\",0,0", "\r\nERROR\r\n");
        await modem.ExpectAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{broker.Port},0", "\r\nERROR\r\n");

        await modem.OkAsync("AT+MQTTCLEAN=0");
        await modem.ConnectLinkAsync(clientId, broker.Port, reconnect: 0);
    }

    /// <summary>Publishes restored-N every 500 ms (at most 30 times) until one arrives; returns its line.</summary>
    private static async Task<string> PublishUntilReceivedAsync(LiveModem modem, MqttProbe probe, string topic)
    {
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < 30; i++)
        {
            await probe.PublishAsync(topic, $"restored-{i}", 1, retain: false);
            try
            {
                string line = await modem.Host.ReadUntilAsync("\r\n", TimeSpan.FromMilliseconds(500));
                // Later publishes may still arrive; they are all the same kind of line.
                string rest = await modem.Host.DrainAsync(TimeSpan.FromMilliseconds(300));
                Assert.All(rest.Split("\r\n", StringSplitOptions.RemoveEmptyEntries), l => Assert.StartsWith($"+MQTTSUBRECV:0,\"{topic}\",", l));
                return line;
            }
            catch (TimeoutException)
            {
            }
        }

        throw new TimeoutException($"No message on the restored subscription {topic} within {sw.Elapsed.TotalSeconds:0} s.");
    }
}
