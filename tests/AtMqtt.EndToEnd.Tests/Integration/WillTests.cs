using Xunit;

namespace AtMqtt.EndToEnd.Tests.Integration;

/// <summary>The last will: published after AT+RST and after the modem process dies, never after AT+MQTTCLEAN.</summary>
public sealed class WillTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    private static string WillConfig(string topic, int qos, int retain) =>
        $"AT+MQTTCONNCFG=0,60,0,\"{topic}\",\"gone \\\"away\\\"\\, sadly\",{qos},{retain}";

    private const string WillPayload = "gone \"away\", sadly";

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task Will_IsPublished_AfterAtRst(BrokerKind kind)
    {
        var broker = TestBroker.InModemOrShared(kind, mosquitto);
        await using var modem = await broker.StartModemAsync();
        await using var probe = await broker.ProbeAsync();
        string willTopic = Unique.Topic("will-rst");
        await probe.SubscribeAsync(willTopic, 2);
        await modem.ConnectLinkAsync(Unique.Id("will-rst"), broker.Port, connCfg: WillConfig(willTopic, 1, 1));
        await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));

        await modem.ExpectAsync("AT+RST", "\r\nOK\r\n");
        await modem.ExpectBytesAsync("ready\r\n");

        var will = await probe.NextAsync(LiveModem.Timeout);
        Assert.Equal(willTopic, will.Topic);
        Assert.Equal(WillPayload, will.PayloadText);
        Assert.Equal(1, will.Qos);

        // lwt_retain=1: a later subscriber gets it, flagged retained.
        await using var late = await broker.ProbeAsync();
        await late.SubscribeAsync(willTopic, 1);
        var retained = await late.NextAsync(LiveModem.Timeout);
        Assert.Equal(WillPayload, retained.PayloadText);
        Assert.True(retained.Retain);
        await late.PublishAsync(willTopic, [], 1, retain: true);

        // The modem restarted: link forgotten, echo on, and it works again.
        string query = await modem.CommandAsync("AT+MQTTCONN?");
        Assert.StartsWith("AT+MQTTCONN?\r\n+MQTTCONN:0,disconnect,", query);
        await modem.ConnectLinkAsync(Unique.Id("will-rst2"), broker.Port);
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task Will_IsPublished_WhenTheModemProcessIsKilled(BrokerKind kind)
    {
        await using var broker = await TestBroker.StandaloneAsync(kind);
        await using var probe = await broker.ProbeAsync();
        string willTopic = Unique.Topic("will-kill");
        await probe.SubscribeAsync(willTopic, 2);
        await using (var modem = await LiveModem.StartAsync())
        {
            await modem.ConnectLinkAsync(Unique.Id("will-kill"), broker.Port, connCfg: WillConfig(willTopic, 2, 0));
            await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));
            modem.Process.Kill();
            await modem.Process.WaitForExitAsync(LiveModem.Timeout);
        }

        var will = await probe.NextAsync(LiveModem.Timeout);
        Assert.Equal(willTopic, will.Topic);
        Assert.Equal(WillPayload, will.PayloadText);
        Assert.Equal(2, will.Qos);
        Assert.False(will.Retain);
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task Will_IsNotPublished_AfterClean(BrokerKind kind)
    {
        await using var broker = await TestBroker.StandaloneAsync(kind);
        await using var probe = await broker.ProbeAsync();
        string willTopic = Unique.Topic("will-clean");
        await probe.SubscribeAsync(willTopic, 2);
        await using var modem = await LiveModem.StartAsync();
        await modem.ConnectLinkAsync(Unique.Id("will-clean"), broker.Port, connCfg: WillConfig(willTopic, 1, 0));

        await modem.OkAsync("AT+MQTTCLEAN=0");
        await probe.AssertNoMessageAsync(TimeSpan.FromSeconds(1.5));

        // Harmless to repeat, and nothing is left to publish a will when the process dies later.
        await modem.OkAsync("AT+MQTTCLEAN=0");
        modem.Process.Kill();
        await modem.Process.WaitForExitAsync(LiveModem.Timeout);
        await probe.AssertNoMessageAsync(TimeSpan.FromSeconds(1));
        Assert.True(probe.IsConnected, $"probe lost its connection to the {broker}");
    }
}
