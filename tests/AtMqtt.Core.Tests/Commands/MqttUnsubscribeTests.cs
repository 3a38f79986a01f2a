using Xunit;

namespace AtMqtt.Core.Tests.Commands;

/// <summary>AT+MQTTUNSUB (src/AtMqtt.Core/Commands/MqttUnsubscribe.cs): NO UNSUBSCRIBE, and unsubscribed topics no longer delivered.</summary>
public class MqttUnsubscribeTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    [Fact]
    public async Task Subscribe_query_already_subscribe_and_unsubscribe()
    {
        await using var s = await broker.ConnectedModemAsync();
        var t = Text.Unique("sub");
        await s.CommandAsync("AT+MQTTSUB?", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/a\",0", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/+/b\",1", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTSUB=0,{t}/#,2,3000", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/a\",0", "ALREADY SUBSCRIBE\r\n\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTSUB=0,\"{t}/a\",2", "ALREADY SUBSCRIBE\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTSUB?",
            $"+MQTTSUB:0,connected,\"{t}/a\",0\r\n+MQTTSUB:0,connected,\"{t}/+/b\",1\r\n+MQTTSUB:0,connected,\"{t}/#\",2\r\n\r\nOK\r\n");

        await s.CommandAsync($"AT+MQTTUNSUB=0,\"{t}/+/b\"", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTUNSUB=0,\"{t}/+/b\"", "NO UNSUBSCRIBE\r\n\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTUNSUB=0,\"{t}/never\",3000", "NO UNSUBSCRIBE\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTSUB?",
            $"+MQTTSUB:0,connected,\"{t}/a\",0\r\n+MQTTSUB:0,connected,\"{t}/#\",2\r\n\r\nOK\r\n");

        // Unsubscribed topics are no longer delivered; the others are.
        await using var probe = await broker.ProbeAsync();
        await s.CommandAsync($"AT+MQTTUNSUB=0,\"{t}/#\"", "\r\nOK\r\n");
        await probe.PublishAsync($"{t}/x/b", "gone", 1);
        await probe.PublishAsync($"{t}/a", "here", 1);
        await s.ExpectAsync($"+MQTTSUBRECV:0,\"{t}/a\",4,here\r\n");
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(300));

        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTSUB?", "\r\nOK\r\n");
    }
}
