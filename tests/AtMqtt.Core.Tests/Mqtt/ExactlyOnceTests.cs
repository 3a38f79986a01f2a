using System.Text;
using Xunit;

namespace AtMqtt.Core.Tests.Mqtt;

/// <summary>
/// QoS 2 in across reconnections (issue 11, item 9): the packet identifiers of messages handed to the
/// host are kept until PUBREL, so the broker's redelivery after a dropped connection reaches the host
/// once. A scripted broker replays exactly what mosquitto does after a restart.
/// </summary>
public sealed class ExactlyOnceTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static string Connected(int port) => $"+MQTTCONNECTED:0,1,\"127.0.0.1\",{port},1\r\n";

    private static byte[] Text(string s) => Encoding.ASCII.GetBytes(s);

    /// <summary>A persistent session subscribed to <c>t</c> at QoS 2, with echo off.</summary>
    private static async Task<(InMemoryModem Session, BrokerConnection Connection)> ConnectAsync(ScriptedBroker broker)
    {
        var s = await InMemoryModem.StartAsync();
        await s.SendAsync("ATE0\r\n");
        await s.ExpectAsync("ATE0\r\n\r\nOK\r\n");
        await s.SendAsync("AT+MQTTUSERCFG=0,1,\"exactly-once\",\"\",\"\",0,0,\"\"\r\n");
        await s.ExpectAsync("\r\nOK\r\n");
        await s.SendAsync("AT+MQTTCONNCFG=0,120,1,\"\",\"\",0,0\r\n");
        await s.ExpectAsync("\r\nOK\r\n");
        await s.SendAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{broker.Port},1\r\n");
        var connection = await broker.AcceptConnectAsync(Wait);
        await connection.WriteAsync(BrokerConnection.ConnAck());
        await s.ExpectAsync(Connected(broker.Port) + "\r\nOK\r\n");
        await s.SendAsync("AT+MQTTSUB=0,\"t\",2\r\n");
        await connection.WriteAsync(BrokerConnection.SubAck(await connection.ReadPacketAsync(8, Wait), 2));
        await s.ExpectAsync("\r\nOK\r\n");
        return (s, connection);
    }

    /// <summary>The modem reconnects; the broker says the session is present and takes the resubscription.</summary>
    private static async Task<BrokerConnection> ReconnectAsync(ScriptedBroker broker, bool sessionPresent = true)
    {
        var connection = await broker.AcceptConnectAsync(Wait);
        await connection.WriteAsync(BrokerConnection.ConnAck(sessionPresent));
        await connection.WriteAsync(BrokerConnection.SubAck(await connection.ReadPacketAsync(8, Wait), 2));
        return connection;
    }

    /// <summary>
    /// PUBLISH, PUBREC, then the connection breaks before PUBREL. The broker sends the message again
    /// (DUP) on the new connection: it is acknowledged (PUBREC) but not written to the host again. After
    /// PUBREL the identifier is free, and a new message that reuses it is delivered.
    /// </summary>
    [Fact]
    public async Task ARedeliveryAfterPubRec_IsAcknowledgedButNotDeliveredAgain()
    {
        await using var broker = new ScriptedBroker();
        var (s, first) = await ConnectAsync(broker);
        await using var session = s;

        await first.WriteAsync(BrokerConnection.Publish("t", Text("one"), qos: 2, packetId: 7));
        await s.ExpectAsync("+MQTTSUBRECV:0,\"t\",3,one\r\n");
        Assert.Equal(7, (await first.ReadPacketAsync(5, Wait)).PacketId);
        first.Reset();

        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
        var second = await ReconnectAsync(broker);
        await s.ExpectAsync(Connected(broker.Port));
        await second.WriteAsync(BrokerConnection.Publish("t", Text("one"), qos: 2, packetId: 7, dup: true));
        Assert.Equal(7, (await second.ReadPacketAsync(5, Wait)).PacketId);
        await second.WriteAsync(BrokerConnection.PubRel(7));
        Assert.Equal(7, (await second.ReadPacketAsync(7, Wait)).PacketId);

        // The identifier is released: the same number now names a new message.
        await second.WriteAsync(BrokerConnection.Publish("t", Text("two"), qos: 2, packetId: 7));
        await s.ExpectAsync("+MQTTSUBRECV:0,\"t\",3,two\r\n");
        Assert.Equal(7, (await second.ReadPacketAsync(5, Wait)).PacketId);
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(300));
    }

    /// <summary>
    /// The message arrives while no host is attached, so it waits unacknowledged; the connection breaks
    /// and the broker redelivers it. The host that attaches gets it once, and its PUBREC goes out on
    /// the connection that is up.
    /// </summary>
    [Fact]
    public async Task ARedeliveryWhileTheFirstCopyWaitsForTheHost_IsWrittenOnce_AndAcknowledgedOnTheNewConnection()
    {
        await using var broker = new ScriptedBroker();
        var (s, first) = await ConnectAsync(broker);
        await using var session = s;
        await s.DetachAsync();

        await first.WriteAsync(BrokerConnection.Publish("t", Text("held"), qos: 2, packetId: 9));
        await Poll.UntilAsync(() => s.Modem.Urcs.Pending == 1, "the message waits in the modem", Wait);
        first.Reset();
        var second = await ReconnectAsync(broker);
        await second.WriteAsync(BrokerConnection.Publish("t", Text("held"), qos: 2, packetId: 9, dup: true));

        // In arrival order: the message came before the drop.
        s.Attach();
        await s.ExpectAsync("ready\r\n+MQTTSUBRECV:0,\"t\",4,held\r\n+MQTTDISCONNECTED:0\r\n" + Connected(broker.Port));
        Assert.Equal(9, (await second.ReadPacketAsync(5, Wait)).PacketId);
        await second.WriteAsync(BrokerConnection.PubRel(9));
        Assert.Equal(9, (await second.ReadPacketAsync(7, Wait)).PacketId);
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(300));
    }

    /// <summary>
    /// The whole handshake completed (PUBREL, PUBCOMP), then the broker, restarted from an old
    /// persistence file, sends the message again as a DUP PUBLISH (mosquitto does): acknowledged, not
    /// delivered. Another message under the same identifier is new: without DUP, or with other content.
    /// </summary>
    [Fact]
    public async Task AReplayOfAReleasedMessage_IsAcknowledgedButNotDelivered_WhileNewMessagesUnderItsIdentifierAre()
    {
        await using var broker = new ScriptedBroker();
        var (s, first) = await ConnectAsync(broker);
        await using var session = s;

        await first.WriteAsync(BrokerConnection.Publish("t", Text("one"), qos: 2, packetId: 5));
        await s.ExpectAsync("+MQTTSUBRECV:0,\"t\",3,one\r\n");
        await first.ReadPacketAsync(5, Wait);
        await first.WriteAsync(BrokerConnection.PubRel(5));
        await first.ReadPacketAsync(7, Wait);
        first.Reset();
        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n");

        var second = await ReconnectAsync(broker);
        await s.ExpectAsync(Connected(broker.Port));
        await second.WriteAsync(BrokerConnection.Publish("t", Text("one"), qos: 2, packetId: 5, dup: true));
        Assert.Equal(5, (await second.ReadPacketAsync(5, Wait)).PacketId);
        await second.WriteAsync(BrokerConnection.PubRel(5));
        Assert.Equal(5, (await second.ReadPacketAsync(7, Wait)).PacketId);

        // The same identifier with DUP but other content, then the first content without DUP: both new.
        await second.WriteAsync(BrokerConnection.Publish("t", Text("two"), qos: 2, packetId: 5, dup: true));
        await s.ExpectAsync("+MQTTSUBRECV:0,\"t\",3,two\r\n");
        await second.ReadPacketAsync(5, Wait);
        await second.WriteAsync(BrokerConnection.PubRel(5));
        await second.ReadPacketAsync(7, Wait);
        await second.WriteAsync(BrokerConnection.Publish("t", Text("one"), qos: 2, packetId: 5));
        await s.ExpectAsync("+MQTTSUBRECV:0,\"t\",3,one\r\n");
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(300));
    }

    /// <summary>A broker that kept no session (session present 0) will not redeliver: a DUP copy then is news.</summary>
    [Fact]
    public async Task WithoutASession_TheHeldIdentifiersAreForgotten()
    {
        await using var broker = new ScriptedBroker();
        var (s, first) = await ConnectAsync(broker);
        await using var session = s;

        await first.WriteAsync(BrokerConnection.Publish("t", Text("one"), qos: 2, packetId: 3));
        await s.ExpectAsync("+MQTTSUBRECV:0,\"t\",3,one\r\n");
        await first.ReadPacketAsync(5, Wait);
        first.Reset();
        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n");

        var second = await ReconnectAsync(broker, sessionPresent: false);
        await s.ExpectAsync(Connected(broker.Port));
        await second.WriteAsync(BrokerConnection.Publish("t", Text("new"), qos: 2, packetId: 3, dup: true));
        await s.ExpectAsync("+MQTTSUBRECV:0,\"t\",3,new\r\n");
    }
}
