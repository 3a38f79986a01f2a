using Xunit;

namespace AtMqtt.EndToEnd.Tests.Brokers;

/// <summary>The brokers of the interop table in docs/brokers.md.</summary>
public enum InteropBroker
{
    /// <summary>mosquitto (Debian's package), started by the tests.</summary>
    Mosquitto,

    /// <summary>MQTTnet's broker in the test process.</summary>
    MQTTnet,

    /// <summary>The 2-node RabbitMQ cluster (rabbitmq_mqtt).</summary>
    RabbitMq,
}

/// <summary>
/// What a host sees differently on mosquitto, MQTTnet's broker and RabbitMQ: each test is one row of the interop
/// table in docs/brokers.md, run against each broker, with the observed behaviour as the expected one. On RabbitMQ
/// the modem and the independent client are on different nodes wherever the row allows it.
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class InteropTests(RabbitMqClusterFixture rabbit, BrokersFixture brokers)
{
    /// <summary>MQTT's PUBACK packet type.</summary>
    private const int PubAck = 4;

    /// <summary>MQTT's PUBREC packet type.</summary>
    private const int PubRec = 5;

    /// <summary>Where the modem connects.</summary>
    private int ModemPort(InteropBroker broker) => broker switch
    {
        InteropBroker.Mosquitto => brokers.Mosquitto.Port,
        InteropBroker.MQTTnet => brokers.InProcess.Port,
        _ => rabbit.B.MqttPort,
    };

    /// <summary>An independent client: on RabbitMQ, of the other node than the modem's.</summary>
    private Task<MqttProbe> ProbeAsync(InteropBroker broker, string? clientId = null) => broker switch
    {
        InteropBroker.RabbitMq => rabbit.A.ProbeAsync(clientId),
        _ => MqttProbe.ConnectAsync(FreePort.Host, ModemPort(broker), clientId),
    };

    [Theory]
    [InlineData(InteropBroker.Mosquitto, 2)]
    [InlineData(InteropBroker.MQTTnet, 2)]
    [InlineData(InteropBroker.RabbitMq, 1)]
    public async Task Qos2Subscription_GrantedQos_InTheQuectelSubAnswer(InteropBroker broker, int granted)
    {
        await using var modem = await LiveModem.StartAsync("--profile", "quectel-bg95", "--result-delay", "0");
        string topic = Unique.Topic("qos2-sub");
        await QuectelActionAsync(modem, $"AT+QMTOPEN=0,\"127.0.0.1\",{ModemPort(broker)}", "+QMTOPEN: 0,0");
        await QuectelActionAsync(modem, $"AT+QMTCONN=0,\"{Unique.Id("qos2-sub")}\"", "+QMTCONN: 0,0,0");

        // The SUBACK's granted QoS is the last field of +QMTSUB (an ESP-AT host's AT+MQTTSUB answers OK either way).
        await QuectelActionAsync(modem, $"AT+QMTSUB=0,1,\"{topic}\",2", $"+QMTSUB: 0,1,0,{granted}");
    }

    /// <summary>
    /// AT+MQTTPUB at QoS 2 with a 3 s timeout (its sixth field). RabbitMQ 3.10 takes a QoS 2 PUBLISH as QoS 1: it
    /// routes it and answers PUBACK (counted at a proxy), so the PUBREC that QoS 2 waits for never comes and the host
    /// gets ERROR when the timeout runs out, although the subscriber has the message.
    /// </summary>
    [Theory]
    [InlineData(InteropBroker.Mosquitto, "\r\nOK\r\n", 2)]
    [InlineData(InteropBroker.MQTTnet, "\r\nOK\r\n", 2)]
    [InlineData(InteropBroker.RabbitMq, "\r\nERROR\r\n", 1)]
    public async Task Qos2Publish_FromTheModem_AnswerAndDeliveredQos(InteropBroker broker, string answer, int delivered)
    {
        string topic = Unique.Topic("qos2-pub");
        await using var probe = await ProbeAsync(broker);
        await probe.SubscribeAsync(topic, 2);
        await using var proxy = TcpProxy.Start(ModemPort(broker));
        await using var modem = await LiveModem.StartAsync();
        await modem.ConnectLinkAsync(Unique.Id("qos2-pub"), proxy.Port);

        await modem.ExpectAsync($"AT+MQTTPUB=0,\"{topic}\",\"exactly once?\",2,0,3000", answer);
        var m = await probe.NextAsync(LiveModem.Timeout);
        Assert.Equal(("exactly once?", delivered), (m.PayloadText, m.Qos));

        // What the broker answered the QoS 2 PUBLISH with: PUBREC (QoS 2), or PUBACK (RabbitMQ: QoS 1).
        Assert.Equal((delivered == 2 ? 1 : 0, delivered == 2 ? 0 : 1), (proxy.PacketsToClient(PubRec), proxy.PacketsToClient(PubAck)));

        // QoS 1 still works on the same link.
        await modem.OkAsync($"AT+MQTTPUB=0,\"{topic}\",\"at least once\",1,0");
        Assert.Equal("at least once", (await probe.NextAsync(LiveModem.Timeout)).PayloadText);
    }

    [Theory]
    [InlineData(InteropBroker.Mosquitto)]
    [InlineData(InteropBroker.MQTTnet)]
    [InlineData(InteropBroker.RabbitMq)]
    public async Task RetainedMessage_ReachesALaterSubscriber_AndAnEmptyOneClearsIt(InteropBroker broker)
    {
        string topic = Unique.Topic("retained");
        await using var probe = await ProbeForRetainedAsync(broker);
        await probe.PublishAsync(topic, "kept", 1, retain: true);

        await using var modem = await LiveModem.StartAsync();
        await modem.ConnectLinkAsync(Unique.Id("retained"), ModemPort(broker));
        await SubscribeExpectingAsync(modem, $"AT+MQTTSUB=0,\"{topic}\",1", LiveModem.SubRecv(topic, "kept"));

        // Cleared while nobody subscribes (a subscriber would get the empty message as any other): a new
        // subscription gets nothing before a marker published after it.
        await modem.OkAsync($"AT+MQTTUNSUB=0,\"{topic}\"");
        await probe.PublishAsync(topic, [], 1, retain: true);
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}\",1");
        await probe.PublishAsync(topic, "marker", 1, retain: false);
        await modem.ExpectBytesAsync(LiveModem.SubRecv(topic, "marker"));
    }

    [Fact]
    public async Task RabbitMq_RetainedMessage_IsKeptByTheNodeItWasPublishedThrough()
    {
        string topic = Unique.Topic("retained-node");
        await using (var onA = await rabbit.A.ProbeAsync())
        {
            await onA.PublishAsync(topic, "kept on a", 1, retain: true);
        }

        // A subscriber of node B: no retained message; the marker is the first thing it gets.
        await using var modem = await LiveModem.StartAsync();
        await modem.ConnectLinkAsync(Unique.Id("retained-b"), rabbit.B.MqttPort);
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}\",1");
        await using (var onB = await rabbit.B.ProbeAsync())
        {
            await onB.PublishAsync(topic, "marker", 1, retain: false);
        }

        await modem.ExpectBytesAsync(LiveModem.SubRecv(topic, "marker"));

        // A subscriber of node A gets it.
        await modem.OkAsync("AT+MQTTCLEAN=0");
        await modem.ConnectLinkAsync(Unique.Id("retained-a"), rabbit.A.MqttPort);
        await SubscribeExpectingAsync(modem, $"AT+MQTTSUB=0,\"{topic}\",1", LiveModem.SubRecv(topic, "kept on a"));

        await using var clear = await rabbit.A.ProbeAsync();
        await clear.PublishAsync(topic, [], 1, retain: true);
    }

    [Theory]
    [InlineData(InteropBroker.Mosquitto, 2)]
    [InlineData(InteropBroker.MQTTnet, 2)]
    [InlineData(InteropBroker.RabbitMq, 1)]
    public async Task Will_OfAKilledModem_IsPublished_AtTheQosTheBrokerKeeps(InteropBroker broker, int qos)
    {
        string willTopic = Unique.Topic("will");
        await using var probe = await ProbeAsync(broker);
        await probe.SubscribeAsync(willTopic, 2);
        await using (var modem = await LiveModem.StartAsync())
        {
            await modem.ConnectLinkAsync(Unique.Id("will"), ModemPort(broker), connCfg: $"AT+MQTTCONNCFG=0,60,0,\"{willTopic}\",\"gone\",2,0");
            modem.Process.Kill();
            await modem.Process.WaitForExitAsync(LiveModem.Timeout);
        }

        var will = await probe.NextAsync(LiveModem.Timeout);
        Assert.Equal((willTopic, "gone", qos, false), (will.Topic, will.PayloadText, will.Qos, will.Retain));
    }

    [Theory]
    [InlineData(InteropBroker.Mosquitto)]
    [InlineData(InteropBroker.MQTTnet)]
    [InlineData(InteropBroker.RabbitMq)]
    public async Task ClientIdTakeover_DisconnectsTheModem(InteropBroker broker)
    {
        string clientId = Unique.Id("takeover");
        await using var modem = await LiveModem.StartAsync();
        await modem.ConnectLinkAsync(clientId, ModemPort(broker));

        // The same client id through another connection (on RabbitMQ, through the other node).
        await using var second = await ProbeAsync(broker, clientId);
        await modem.ExpectBytesAsync("+MQTTDISCONNECTED:0\r\n");
        Assert.True(second.IsConnected);
        string query = await modem.CommandAsync("AT+MQTTCONN?");
        Assert.StartsWith("AT+MQTTCONN?\r\n+MQTTCONN:0,disconnect,", query);
    }

    [Theory]
    [InlineData(InteropBroker.Mosquitto, false)]
    [InlineData(InteropBroker.MQTTnet, false)]
    [InlineData(InteropBroker.RabbitMq, true)]
    public async Task TopicWithADot_IsAnotherTopic_ExceptOnRabbitMq(InteropBroker broker, bool dotIsSlash)
    {
        string topic = Unique.Topic("dot");
        await using var modem = await LiveModem.StartAsync();
        await modem.ConnectLinkAsync(Unique.Id("dot"), ModemPort(broker));
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}/a/b\",1");
        await using var probe = await ProbeAsync(broker);
        await probe.PublishAsync($"{topic}/a.b", "dotted", 1, retain: false);
        await probe.PublishAsync($"{topic}/a/b", "marker", 1, retain: false);

        // RabbitMQ turns '/' into '.' for its routing keys (and back), so "a.b" is "a/b" to it, and the host
        // reads the topic with a slash.
        string expected = (dotIsSlash ? LiveModem.SubRecv($"{topic}/a/b", "dotted") : "") + LiveModem.SubRecv($"{topic}/a/b", "marker");
        await modem.ExpectBytesAsync(expected);
    }

    /// <summary>The publisher of the retained row; on RabbitMQ of the modem's own node (the cross-node case is a row of its own).</summary>
    private Task<MqttProbe> ProbeForRetainedAsync(InteropBroker broker) =>
        broker == InteropBroker.RabbitMq ? rabbit.B.ProbeAsync() : ProbeAsync(broker);

    /// <summary>
    /// A SUBSCRIBE that brings a retained message: its line comes right after the SUBACK, before or after the
    /// command's OK (the broker sends both at once), and nothing else comes.
    /// </summary>
    private static async Task SubscribeExpectingAsync(LiveModem modem, string line, string urc)
    {
        await modem.Host.SendAsync(line + "\r\n");
        string got = await modem.Host.ReadUntilAsync("\r\nOK\r\n", LiveModem.Timeout);
        if (!got.Contains(urc, StringComparison.Ordinal))
        {
            got += await modem.Host.ReadUntilAsync(urc, LiveModem.Timeout);
        }

        Assert.Contains(got, new[] { line + "\r\n\r\nOK\r\n" + urc, line + "\r\n" + urc + "\r\nOK\r\n" });
    }

    private static async Task QuectelActionAsync(LiveModem modem, string line, string urc)
    {
        await modem.ExpectAsync(line, "\r\nOK\r\n");
        await modem.ExpectBytesAsync("\r\n" + urc + "\r\n");
    }
}
