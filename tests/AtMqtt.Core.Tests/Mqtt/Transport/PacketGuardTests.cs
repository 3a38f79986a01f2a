using System.Text;
using Xunit;

namespace AtMqtt.Core.Tests.Mqtt.Transport;

/// <summary>
/// A broker that breaks MQTT 3.1.1, sends more than the module's receive buffer, or drops each
/// connection right after accepting it (issue 11, items 2, 5 and 7), played by a scripted peer so
/// that every byte it sends is chosen by the test.
/// </summary>
public sealed class PacketGuardTests
{
    private static readonly TimeSpan Wait = TimeSpan.FromSeconds(10);

    private static string Connected(int port, int reconnect) => $"+MQTTCONNECTED:0,1,\"127.0.0.1\",{port},{reconnect}\r\n";

    private static string Conn(int port, int reconnect) => $"AT+MQTTCONN=0,\"127.0.0.1\",{port},{reconnect}";

    /// <summary>
    /// Malformed packets in place of the CONNACK: the connection is closed as a protocol violation and
    /// AT+MQTTCONN fails, where MQTTnet alone took a CONNACK of remaining length 5 as a success.
    /// </summary>
    [Theory]
    [InlineData("20 05 00 00 00 00 00")] // CONNACK of remaining length 5
    [InlineData("20 03 00 00 00")] // CONNACK of remaining length 3
    [InlineData("20 02 02 00")] // reserved acknowledge flags
    [InlineData("20 02 00 09")] // a return code MQTT 3.1.1 does not define
    [InlineData("21 02 00 00")] // reserved fixed-header flags
    [InlineData("90 03 00 01 00")] // SUBACK before CONNACK
    [InlineData("30 05 00 01 74 68 69")] // PUBLISH before CONNACK
    [InlineData("10 02 00 00")] // CONNECT, which a broker never sends
    public async Task AMalformedConnAck_FailsTheConnection(string hex)
    {
        await using var broker = new ScriptedBroker();
        await using var s = await InMemoryModem.StartAsync();
        await s.UserConfigAsync("hostile-connack");
        await s.SendAsync(Conn(broker.Port, 0) + "\r\n");
        var connection = await broker.AcceptConnectAsync(Wait);
        await connection.WriteAsync(Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal)));

        await s.ExpectAsync(Conn(broker.Port, 0) + "\r\n+MQTTDISCONNECTED:0\r\n\r\nERROR\r\n");
        Assert.True(await connection.WaitClosedAsync(Wait), "the modem kept the connection open");
        await s.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,disconnect,1,\"127.0.0.1\",{broker.Port},0\r\n\r\nOK\r\n");
        await s.AssertAliveAsync();
    }

    /// <summary>A violation on an established connection (a second CONNACK, a PUBREL with wrong flags) drops it.</summary>
    [Theory]
    [InlineData("20 02 00 00")]
    [InlineData("60 02 00 01")]
    [InlineData("d0 01 00")]
    public async Task AViolationAfterConnecting_DropsTheConnection(string hex)
    {
        await using var broker = new ScriptedBroker();
        await using var s = await InMemoryModem.StartAsync();
        await s.UserConfigAsync("hostile-later");
        await s.SendAsync(Conn(broker.Port, 0) + "\r\n");
        var connection = await broker.AcceptConnectAsync(Wait);
        await connection.WriteAsync(BrokerConnection.ConnAck());
        await s.ExpectAsync(Conn(broker.Port, 0) + "\r\n" + Connected(broker.Port, 0) + "\r\nOK\r\n");

        await connection.WriteAsync(Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal)));
        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
        Assert.True(await connection.WaitClosedAsync(Wait), "the modem kept the connection open");
        await s.AssertAliveAsync();
    }

    /// <summary>
    /// --max-message-bytes counts topic and payload: a message of exactly the limit is delivered; one
    /// byte more closes the connection on its fixed header, counted in AT+MQTTRXQUEUE?, and a
    /// reconnect=1 link comes back.
    /// </summary>
    [Fact]
    public async Task AMessageOverTheLimit_ClosesTheConnection_AndIsCounted()
    {
        const int limit = 1024;
        await using var broker = new ScriptedBroker();
        await using var s = await InMemoryModem.StartAsync(new ModemOptions { MaxMessageBytes = limit, DataTimeout = TimeSpan.FromSeconds(5) });
        await s.SendAsync("ATE0\r\n");
        await s.ExpectAsync("ATE0\r\n\r\nOK\r\n");
        await s.SendAsync("AT+MQTTUSERCFG=0,1,\"big\",\"\",\"\",0,0,\"\"\r\n");
        await s.ExpectAsync("\r\nOK\r\n");
        await s.SendAsync(Conn(broker.Port, 1) + "\r\n");
        var first = await broker.AcceptConnectAsync(Wait);
        await first.WriteAsync(BrokerConnection.ConnAck());
        await s.ExpectAsync(Connected(broker.Port, 1) + "\r\nOK\r\n");
        await s.SendAsync("AT+MQTTSUB=0,\"t\",1\r\n");
        var subscribe = await first.ReadPacketAsync(8, Wait);
        await first.WriteAsync(BrokerConnection.SubAck(subscribe, 1));
        await s.ExpectAsync("\r\nOK\r\n");

        // Topic "t" (1 byte) and 1023 bytes of payload: exactly the limit.
        var fits = new byte[limit - 1];
        Array.Fill(fits, (byte)'a');
        await first.WriteAsync(BrokerConnection.Publish("t", fits, qos: 1, packetId: 1));
        await s.ExpectAsync($"+MQTTSUBRECV:0,\"t\",{fits.Length}," + Encoding.ASCII.GetString(fits) + "\r\n");
        await first.ReadPacketAsync(4, Wait); // the PUBACK

        // One byte more: only its fixed header is sent, so the modem must judge it on the header.
        var header = BrokerConnection.Publish("t", new byte[limit], qos: 1, packetId: 2)[..4];
        await first.WriteAsync(header);
        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
        Assert.True(await first.WaitClosedAsync(Wait), "the modem waited for the body of a message over its limit");

        var second = await broker.AcceptConnectAsync(Wait);
        await second.WriteAsync(BrokerConnection.ConnAck(sessionPresent: true));
        await second.WriteAsync(BrokerConnection.SubAck(await second.ReadPacketAsync(8, Wait), 1));
        await s.ExpectAsync(Connected(broker.Port, 1));
        await s.SendAsync("AT+MQTTRXQUEUE?\r\n");
        await s.ExpectAsync("+MQTTRXQUEUE:0,0,1000,0,1\r\n\r\nOK\r\n");
    }

    /// <summary>
    /// 50 MB announced: the connection is closed on the header, before the modem buffers any of it
    /// (the bytes already sent never reach MQTTnet), and the modem is unharmed.
    /// </summary>
    [Fact]
    public async Task AFiftyMegabyteMessage_IsRefusedOnItsHeader()
    {
        await using var broker = new ScriptedBroker();
        await using var s = await InMemoryModem.StartAsync();
        await s.UserConfigAsync("huge");
        await s.SendAsync(Conn(broker.Port, 0) + "\r\n");
        var connection = await broker.AcceptConnectAsync(Wait);
        await connection.WriteAsync(BrokerConnection.ConnAck());
        await s.ExpectAsync(Conn(broker.Port, 0) + "\r\n" + Connected(broker.Port, 0) + "\r\nOK\r\n");

        int length = 50 * 1024 * 1024;
        byte[] header = [0x30, .. BrokerConnection.RemainingLength(length), 0x00, 0x01, (byte)'t'];
        await connection.WriteAsync([.. header, .. new byte[64 * 1024]]);
        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
        Assert.True(await connection.WaitClosedAsync(Wait));
        await s.CommandAsync("AT+MQTTRXQUEUE?", "+MQTTRXQUEUE:0,0,1000,0,1\r\n\r\nOK\r\n");
    }

    /// <summary>
    /// A broker that accepts each connection and drops it at once: the attempts back off 1, 2, 4 s...
    /// instead of every second; a connection that then stays up for a keepalive period (5 s here: long
    /// enough for a loaded test to answer the watchdog's pings in time) starts the backoff again at 1 s.
    /// </summary>
    [Fact]
    public async Task AFlappingConnection_KeepsDoublingTheBackoff_UntilOneStaysUp()
    {
        await using var broker = new ScriptedBroker();
        await using var s = await InMemoryModem.StartAsync();
        await s.UserConfigAsync("flapping");
        await s.CommandAsync("AT+MQTTCONNCFG=0,5,0,\"\",\"\",0,0", "\r\nOK\r\n");
        await s.SendAsync(Conn(broker.Port, 1) + "\r\n");
        var connection = await broker.AcceptConnectAsync(Wait);
        await connection.WriteAsync(BrokerConnection.ConnAck());
        await s.ExpectAsync(Conn(broker.Port, 1) + "\r\n" + Connected(broker.Port, 1) + "\r\nOK\r\n");

        // Four drops right after CONNACK: the waits before the next attempts are 1, 2, 4 and 8 s.
        var drops = new List<DateTime>();
        for (int i = 0; i < 4; i++)
        {
            drops.Add(DateTime.UtcNow);
            connection.Reset();
            connection = await broker.AcceptConnectAsync(TimeSpan.FromSeconds(20));
            await connection.WriteAsync(BrokerConnection.ConnAck());
            await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n" + Connected(broker.Port, 1), TimeSpan.FromSeconds(20));
        }

        // This one stays up (answering pings) for longer than the keepalive, then drops: 1 s again.
        var stayed = DateTime.UtcNow;
        var pings = Task.Run(async () =>
        {
            while (DateTime.UtcNow - stayed < TimeSpan.FromSeconds(6))
            {
                await connection.ReadPacketAsync(12, Wait);
                await connection.WriteAsync([0xD0, 0x00]);
            }
        });
        await pings;
        drops.Add(DateTime.UtcNow);
        connection.Reset();
        await broker.AcceptConnectAsync(TimeSpan.FromSeconds(20));

        // Never sooner than the backoff (a loaded machine only makes attempts later). After the stable
        // connection the wait is 1 s again: well under the 16 s that doubling would have given.
        var accepts = broker.AcceptTimes;
        double[] expected = [1, 2, 4, 8];
        var gaps = Enumerable.Range(0, 5).Select(i => (accepts[i + 1] - drops[i]).TotalSeconds).ToList();
        string all = string.Join(", ", gaps.Select(g => g.ToString("F2", System.Globalization.CultureInfo.InvariantCulture)));
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(gaps[i] >= expected[i] - 0.05, $"attempt {i + 1} came {gaps[i]:F2} s after the drop, before its {expected[i]} s backoff (all: {all})");
        }

        Assert.True(gaps[4] >= 0.95 && gaps[4] < 8, $"after a stable connection the backoff did not start again at 1 s: {gaps[4]:F2} s (all: {all})");

        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
        await s.AssertAliveAsync();
    }
}
