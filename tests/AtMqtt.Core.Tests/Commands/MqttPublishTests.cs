using Xunit;

namespace AtMqtt.Core.Tests.Commands;

/// <summary>AT+MQTTPUB (src/AtMqtt.Core/Commands/MqttPublish.cs): messages to the broker with their QoS and retain flag, escapes, invalid topics.</summary>
public class MqttPublishTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    [Theory]
    [InlineData(0, 0)]
    [InlineData(1, 0)]
    [InlineData(2, 0)]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 1)]
    public async Task Publish_reaches_the_broker_with_its_qos_and_retain(int qos, int retain)
    {
        var topic = Text.Unique("pub");
        await using var probe = await broker.ProbeAsync();
        if (retain == 0)
        {
            await probe.SubscribeAsync(topic, 2);
        }

        await using var s = await broker.ConnectedModemAsync();
        await s.CommandAsync($"AT+MQTTPUB=0,\"{topic}\",\"hello world\",{qos},{retain}", "\r\nOK\r\n");

        if (retain == 1)
        {
            // A retained message is seen with its flag by a subscriber that comes later (once the
            // broker has it: subscribed earlier, the probe would get it live, without the flag).
            await broker.WaitRetainedAsync(topic, InMemoryModem.Timeout);
            await probe.SubscribeAsync(topic, 2);
        }

        var m = await probe.NextAsync();
        Assert.Equal(topic, m.Topic);
        Assert.Equal("hello world"u8.ToArray(), m.Payload);
        Assert.Equal(qos, m.Qos);
        Assert.Equal(retain == 1, m.Retain);
        await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(200));

        if (retain == 1)
        {
            await probe.PublishAsync(topic, [], 0, true);
        }

        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Theory]
    [InlineData("\"a\\,b\\\"c\\\\d\\xe\"", "a,b\"c\\dxe")]
    [InlineData("plain,0,0", null)]
    [InlineData("bare\\,comma", "bare,comma")]
    [InlineData("\"with \"\"quotes\"", null)]
    [InlineData("\"{d200}\"", "{d200}")]
    [InlineData("\"ünïcødé\"", "ünïcødé")]
    [InlineData("987654321", "987654321")]
    public async Task Publish_data_is_unescaped(string data, string? payload)
    {
        var topic = Text.Unique("esc");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(topic, 1);
        await using var s = await broker.ConnectedModemAsync();
        var line = Text.Expand($"AT+MQTTPUB=0,{topic},{data},1,0");
        if (payload is null)
        {
            // "plain,0,0" makes extra parameters; a quote inside a quoted value ends it early.
            await s.CommandAsync(line, "\r\nERROR\r\n");
            await probe.AssertNoMessageAsync(TimeSpan.FromMilliseconds(300));
        }
        else
        {
            await s.CommandAsync(line, "\r\nOK\r\n");
            var m = await probe.NextAsync();
            Assert.Equal(Text.Utf8(Text.Expand(payload)), m.Payload);
        }

        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Escapes_in_topic_and_data_of_one_publish()
    {
        var t = Text.Unique("both");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(t + "/#", 1);
        await using var s = await broker.ConnectedModemAsync();
        await s.CommandAsync($"AT+MQTTPUB=0,\"{t}\\/x\\,y\",\"d\\,1\\\"2\",1,0", "\r\nOK\r\n");
        await s.CommandAsync($"AT+MQTTPUB=0,{t}/q\\\"r,d\\\\3,1,0", "\r\nOK\r\n");
        var first = await probe.NextAsync();
        Assert.Equal($"{t}/x,y", first.Topic);
        Assert.Equal("d,1\"2"u8.ToArray(), first.Payload);
        var second = await probe.NextAsync();
        Assert.Equal($"{t}/q\"r", second.Topic);
        Assert.Equal("d\\3"u8.ToArray(), second.Payload);
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Publishes_to_alternating_topics_each_reach_their_own_topic()
    {
        var t = Text.Unique("alt");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync(t + "/#", 1);
        await using var s = await broker.ConnectedModemAsync();
        string[] topics = [$"{t}/a", $"{t}/b", $"{t}/b", $"{t}/a", $"{t}/ab", $"{t}/a", $"{t}/é"];
        for (int i = 0; i < topics.Length; i++)
        {
            await s.CommandAsync($"AT+MQTTPUB=0,\"{topics[i]}\",\"m{i}\",1,0", "\r\nOK\r\n");
        }

        for (int i = 0; i < topics.Length; i++)
        {
            var m = await probe.NextAsync();
            Assert.Equal((topics[i], $"m{i}"), (m.Topic, m.PayloadText));
        }

        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }

    [Fact]
    public async Task Invalid_publish_topics_while_connected()
    {
        await using var s = await broker.ConnectedModemAsync();
        await s.SysLogOnAsync();

        var nonUtf8 = Text.Concat(Text.Utf8("AT+MQTTPUB=0,\"t"), [0xC3, 0x28], Text.Utf8("\",\"d\",0,0\r\n"));
        await s.SendAsync(nonUtf8);
        await s.ExpectAsync(Text.Concat(nonUtf8, Text.Utf8(Text.Error("0x010a6041"))));

        var nul = Text.Concat(Text.Utf8("AT+MQTTPUB=0,\"t"), [0], Text.Utf8("\",\"d\",0,0\r\n"));
        await s.SendAsync(nul);
        await s.ExpectAsync(Text.Concat(nul, Text.Utf8(Text.Error("0x010a6041"))));

        await s.CommandAsync("AT+MQTTPUB=0,\"a/+/b\",\"d\",0,0", Text.Error("0x010a6041"));
        await s.CommandAsync("AT+MQTTPUB=0,\"a/#\",\"d\",0,0", Text.Error("0x010a6041"));
        await s.CommandAsync("AT+MQTTPUB=0,\"\",\"d\",0,0", Text.Error("0x010a6042"));
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+MQTTCLEAN=0", "\r\nOK\r\n");
    }
}
