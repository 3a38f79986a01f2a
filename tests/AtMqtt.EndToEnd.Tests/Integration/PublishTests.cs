using System.Text;
using Xunit;

namespace AtMqtt.EndToEnd.Tests.Integration;

/// <summary>AT+MQTTPUB / AT+MQTTPUBRAW seen by an independent MQTT client, and the seed's own examples.</summary>
public sealed class PublishTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    [Theory]
    [InlineData(BrokerKind.Embedded, 0)]
    [InlineData(BrokerKind.Embedded, 1)]
    [InlineData(BrokerKind.Embedded, 2)]
    [InlineData(BrokerKind.Mosquitto, 0)]
    [InlineData(BrokerKind.Mosquitto, 1)]
    [InlineData(BrokerKind.Mosquitto, 2)]
    public async Task AtPublish_IsSeenByAnIndependentClient_WithExactBytesAndQos(BrokerKind kind, int qos)
    {
        var broker = TestBroker.InModemOrShared(kind, mosquitto);
        await using var modem = await broker.StartModemAsync();
        await using var probe = await broker.ProbeAsync();
        string topic = Unique.Topic("pub");
        await probe.SubscribeAsync(topic, 2);
        await modem.ConnectLinkAsync(Unique.Id("pub"), broker.Port);

        // Quoted data with the three escapes, and UTF-8 text.
        await modem.OkAsync($"AT+MQTTPUB=0,\"{topic}\",\"say \\\"hi\\\"\\, then \\\\ bye h\u00e9llo \u2713\",{qos},0");

        var message = await probe.NextAsync(LiveModem.Timeout);
        Assert.Equal(topic, message.Topic);
        Assert.Equal(Encoding.UTF8.GetBytes("say \"hi\", then \\ bye h\u00e9llo \u2713"), message.Payload);
        Assert.Equal(qos, message.Qos);
        Assert.False(message.Retain);
        await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task AtPublish_WithRetain_IsKeptForALateSubscriber(BrokerKind kind)
    {
        var broker = TestBroker.InModemOrShared(kind, mosquitto);
        await using var modem = await broker.StartModemAsync();
        string topic = Unique.Topic("retain");
        await modem.ConnectLinkAsync(Unique.Id("retain"), broker.Port);

        await modem.OkAsync($"AT+MQTTPUB=0,\"{topic}\",\"kept for later\",1,1");

        // OK promised the broker has it: a client subscribing afterwards gets it, flagged retained.
        await using var late = await broker.ProbeAsync();
        await late.SubscribeAsync(topic, 1);
        var message = await late.NextAsync(LiveModem.Timeout);
        Assert.Equal(topic, message.Topic);
        Assert.Equal("kept for later", message.PayloadText);
        Assert.Equal(1, message.Qos);
        Assert.True(message.Retain);

        // Clear it again (empty retained message via PUBRAW is not possible: length >= 1; use the probe).
        await late.PublishAsync(topic, [], 1, retain: true);
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task SeedExamples_WorkExactlyAsWritten(BrokerKind kind)
    {
        var broker = TestBroker.InModemOrShared(kind, mosquitto);
        await using var modem = await broker.StartModemAsync();
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync("test/abc", 2);
        await probe.SubscribeAsync("test/aaa", 2);

        await modem.OkAsync($"AT+MQTTUSERCFG=0,1,\"{Unique.Id("seed")}\",\"\",\"\",0,0,\"\"");
        await modem.OkAsync("AT+MQTTCONNCFG=0,180,0,\"test/aaa\",\"good bye\",1,0");

        // Like the seed's AT+MQTTCONN=0,192.168.0.102,8883,1: a bare host.
        await modem.ExpectAsync($"AT+MQTTCONN=0,127.0.0.1,{broker.Port},1", LiveModem.ConnectedResponse(broker.Port, 1));
        await modem.ExpectAsync("AT+MQTTCONN?", $"+MQTTCONN:0,connected,1,\"127.0.0.1\",{broker.Port},1\r\n\r\nOK\r\n");

        await modem.OkAsync("AT+MQTTPUB=0,test/abc,987654321,1,0");
        var message = await probe.NextAsync(LiveModem.Timeout);
        Assert.Equal("test/abc", message.Topic);
        Assert.Equal("987654321", message.PayloadText);
        Assert.Equal(1, message.Qos);
        Assert.False(message.Retain);

        await modem.OkAsync("AT+MQTTCLEAN=0");
        string query = await modem.CommandAsync("AT+MQTTCONN?");
        Assert.StartsWith("AT+MQTTCONN?\r\n+MQTTCONN:0,disconnect,", query);
        Assert.EndsWith("\r\n\r\nOK\r\n", query);

        // A clean DISCONNECT: "good bye" is not published.
        await probe.AssertNoMessageAsync(TimeSpan.FromSeconds(1.5));
    }

    [Theory]
    [InlineData(BrokerKind.Embedded, 1)]
    [InlineData(BrokerKind.Embedded, 2)]
    [InlineData(BrokerKind.Mosquitto, 0)]
    [InlineData(BrokerKind.Mosquitto, 1)]
    public async Task PubRaw_CarriesAll256ByteValues(BrokerKind kind, int qos)
    {
        var broker = TestBroker.InModemOrShared(kind, mosquitto);
        await using var modem = await broker.StartModemAsync();
        await using var probe = await broker.ProbeAsync();
        string topic = Unique.Topic("raw");
        await probe.SubscribeAsync(topic, 2);
        await modem.ConnectLinkAsync(Unique.Id("raw"), broker.Port);
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}\",2");

        var all = new byte[256];
        for (int i = 0; i < all.Length; i++)
        {
            all[i] = (byte)i;
        }

        string command = $"AT+MQTTPUBRAW=0,\"{topic}\",256,{qos},0";
        await modem.Host.SendAsync(command + "\r\n");
        await modem.ExpectBytesAsync(command + "\r\n\r\nOK\r\n\r\n>");
        await modem.Host.SendBytesAsync(all);
        await modem.ExpectBytesAsync("\r\n+MQTTPUBRAW:OK\r\n");

        var message = await probe.NextAsync(LiveModem.Timeout);
        Assert.Equal(topic, message.Topic);
        Assert.Equal(all, message.Payload);
        Assert.Equal(qos, message.Qos);

        // The modem's own subscription brings the same 256 bytes back, raw and whole.
        await modem.ExpectBytesAsync(LiveModem.SubRecv(topic, Encoding.Latin1.GetString(all)));
        await modem.OkAsync("AT");
        await modem.AssertSilentAsync(TimeSpan.FromMilliseconds(300));
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task PubRaw_DataStartingWithCrLf_IsTakenRaw(BrokerKind kind)
    {
        var broker = TestBroker.InModemOrShared(kind, mosquitto);
        await using var modem = await broker.StartModemAsync();
        await using var probe = await broker.ProbeAsync();
        string topic = Unique.Topic("rawcrlf");
        await probe.SubscribeAsync(topic, 1);
        await modem.ConnectLinkAsync(Unique.Id("rawcrlf"), broker.Port);

        string command = $"AT+MQTTPUBRAW=0,\"{topic}\",6,1,1";
        await modem.Host.SendAsync(command + "\r\n");
        await modem.ExpectBytesAsync(command + "\r\n\r\nOK\r\n\r\n>");
        await modem.Host.SendBytesAsync("\r\nAT\r\n"u8.ToArray());
        await modem.ExpectBytesAsync("\r\n+MQTTPUBRAW:OK\r\n");

        var message = await probe.NextAsync(LiveModem.Timeout);
        Assert.Equal("\r\nAT\r\n"u8.ToArray(), message.Payload);
        Assert.Equal(1, message.Qos);
        await modem.OkAsync("AT");
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task PubRaw_WhenTheDataStops_FailsAfterTheDataTimeout_AndPublishesNothing(BrokerKind kind)
    {
        var broker = TestBroker.InModemOrShared(kind, mosquitto);
        await using var modem = await broker.StartModemAsync("--data-timeout", "1");
        await using var probe = await broker.ProbeAsync();
        string topic = Unique.Topic("rawtimeout");
        await probe.SubscribeAsync(topic, 1);
        await modem.ConnectLinkAsync(Unique.Id("rawtimeout"), broker.Port);

        string command = $"AT+MQTTPUBRAW=0,\"{topic}\",10,1,0";
        await modem.Host.SendAsync(command + "\r\n");
        await modem.ExpectBytesAsync(command + "\r\n\r\nOK\r\n\r\n>");
        await modem.Host.SendAsync("abc");
        var sw = System.Diagnostics.Stopwatch.StartNew();
        await modem.ExpectBytesAsync("\r\n+MQTTPUBRAW:FAIL\r\n");
        Assert.InRange(sw.Elapsed, TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(10));

        // Back in command mode: the partial data was discarded, not taken as a command or published.
        await modem.OkAsync("AT");
        await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(500));
    }
}
