using System.Text;
using Xunit;

namespace AtMqtt.EndToEnd.Tests.Integration;

/// <summary>Broker messages reaching the host as +MQTTSUBRECV, raw and whole.</summary>
public sealed class SubscribeTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    [Theory]
    [InlineData(BrokerKind.Embedded, 0)]
    [InlineData(BrokerKind.Embedded, 1)]
    [InlineData(BrokerKind.Mosquitto, 0)]
    [InlineData(BrokerKind.Mosquitto, 1)]
    [InlineData(BrokerKind.Mosquitto, 2)]
    public async Task BrokerMessage_WithCommasQuotesCrLfAndNul_ArrivesRawAsSubRecv(BrokerKind kind, int qos)
    {
        var broker = TestBroker.InModemOrShared(kind, mosquitto);
        await using var modem = await broker.StartModemAsync();
        await using var probe = await broker.ProbeAsync();
        string topic = Unique.Topic("recv");
        await modem.ConnectLinkAsync(Unique.Id("recv"), broker.Port);
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}\",{qos}");

        // Latin-1 strings: one char per byte.
        string tricky = "a,b,\"quoted\",\r\n\0mid\0\r\n+MQTTSUBRECV:0,\"x\",1,y\r\nOK\r\n\u00ff,";
        string second = "\r\n";
        await probe.PublishAsync(topic, Encoding.Latin1.GetBytes(tricky), qos, retain: false);
        await probe.PublishAsync(topic, Encoding.Latin1.GetBytes(second), qos, retain: false);

        await modem.ExpectBytesAsync(LiveModem.SubRecv(topic, tricky));
        await modem.ExpectBytesAsync(LiveModem.SubRecv(topic, second));

        // The modem is still in step with the host afterwards.
        await modem.OkAsync("AT");
        await modem.AssertSilentAsync(TimeSpan.FromMilliseconds(300));
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task Subscription_ListAndUnsubscribe_BehaveAsSpecified(BrokerKind kind)
    {
        var broker = TestBroker.InModemOrShared(kind, mosquitto);
        await using var modem = await broker.StartModemAsync();
        await using var probe = await broker.ProbeAsync();
        string topic = Unique.Topic("list");
        await modem.ConnectLinkAsync(Unique.Id("list"), broker.Port);

        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}/#\",1");
        await modem.ExpectAsync($"AT+MQTTSUB=0,\"{topic}/#\",1", "ALREADY SUBSCRIBE\r\n\r\nOK\r\n");
        await modem.ExpectAsync("AT+MQTTSUB?", $"+MQTTSUB:0,connected,\"{topic}/#\",1\r\n\r\nOK\r\n");

        await probe.PublishAsync($"{topic}/a/b", "wild", 1, retain: false);
        await modem.ExpectBytesAsync(LiveModem.SubRecv($"{topic}/a/b", "wild"));

        await modem.OkAsync($"AT+MQTTUNSUB=0,\"{topic}/#\"");
        await modem.ExpectAsync($"AT+MQTTUNSUB=0,\"{topic}/#\"", "NO UNSUBSCRIBE\r\n\r\nOK\r\n");
        await probe.PublishAsync($"{topic}/a/b", "gone", 1, retain: false);
        await modem.AssertSilentAsync(TimeSpan.FromSeconds(1));
    }

    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task MaxSubscriptions_LimitsTheList(BrokerKind kind)
    {
        var broker = TestBroker.InModemOrShared(kind, mosquitto);
        await using var modem = await broker.StartModemAsync("--max-subscriptions", "2");
        string topic = Unique.Topic("max");
        await modem.ConnectLinkAsync(Unique.Id("max"), broker.Port);

        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}/1\",0");
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}/2\",0");
        await modem.ExpectAsync($"AT+MQTTSUB=0,\"{topic}/3\",0", "\r\nERROR\r\n");
        await modem.ExpectAsync($"AT+MQTTSUB=0,\"{topic}/2\",0", "ALREADY SUBSCRIBE\r\n\r\nOK\r\n");

        // The refused filter was not subscribed at the broker either.
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync($"{topic}/3", "no", 1, retain: false);
        await probe.PublishAsync($"{topic}/2", "yes", 1, retain: false);
        await modem.ExpectBytesAsync(LiveModem.SubRecv($"{topic}/2", "yes"));

        await modem.OkAsync($"AT+MQTTUNSUB=0,\"{topic}/1\"");
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}/3\",0");
    }
}
