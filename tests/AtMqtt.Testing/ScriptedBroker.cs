using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Threading.Channels;

namespace AtMqtt.Testing;

/// <summary>What a <see cref="ScriptedBroker.Answering"/> broker does with one kind of MQTT request.</summary>
public enum BrokerReply
{
    /// <summary>The normal acknowledgement (CONNACK accepted, SUBACK granted, PUBACK, UNSUBACK...).</summary>
    Answer,

    /// <summary>Reads it and says nothing: the client waits until its own timeout.</summary>
    Ignore,

    /// <summary>Closes the connection (no reply).</summary>
    Close,

    /// <summary>SUBACK with the failure code 0x80 (only for SUBSCRIBE).</summary>
    Refuse,
}

/// <summary>
/// A hostile or scripted MQTT 3.1.1 peer on a free loopback port, for what a real broker will not do
/// on demand: a malformed CONNACK, a 50 MB PUBLISH, a connection dropped right after CONNACK, a QoS 2
/// message delivered again after a reconnection. Each accepted connection is handed to the test as a
/// <see cref="BrokerConnection"/>, in order; the test reads and writes raw packets on it (a test that
/// never does is a listener that accepts and never says a word). <see cref="Answering"/> makes one that
/// serves every connection by itself, by a rule per kind of request.
/// </summary>
public sealed class ScriptedBroker : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Channel<BrokerConnection> _accepted = Channel.CreateUnbounded<BrokerConnection>();
    private readonly List<BrokerConnection> _all = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Func<BrokerConnection, CancellationToken, Task>? _serve;
    private readonly Task _acceptLoop;

    /// <summary>Starts listening on a free loopback port; the test takes each connection with <see cref="AcceptAsync"/>.</summary>
    public ScriptedBroker()
        : this(null)
    {
    }

    private ScriptedBroker(Func<BrokerConnection, CancellationToken, Task>? serve)
    {
        _serve = serve;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The loopback port the broker listens on.</summary>
    public int Port { get; }

    /// <summary>Connections accepted so far.</summary>
    public int AcceptCount
    {
        get
        {
            lock (_all)
            {
                return _all.Count;
            }
        }
    }

    /// <summary>When each connection was accepted (by this process's clock).</summary>
    public IReadOnlyList<DateTime> AcceptTimes
    {
        get
        {
            lock (_all)
            {
                return [.. _all.Select(c => c.AcceptedAt)];
            }
        }
    }

    /// <summary>The next connection the modem opens.</summary>
    public async Task<BrokerConnection> AcceptAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            return await _accepted.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"No connection to the scripted broker within {timeout.TotalSeconds:0.#} s");
        }
    }

    /// <summary>Accepts the next connection and reads its CONNECT.</summary>
    public async Task<BrokerConnection> AcceptConnectAsync(TimeSpan timeout)
    {
        var connection = await AcceptAsync(timeout);
        var connect = await connection.ReadPacketAsync(timeout);
        if (connect.Type != 1)
        {
            throw new InvalidOperationException($"Expected CONNECT, got packet type {connect.Type}");
        }

        return connection;
    }

    /// <summary>Stops listening and closes every connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _acceptLoop.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or TimeoutException)
        {
        }

        lock (_all)
        {
            foreach (var c in _all)
            {
                c.Dispose();
            }
        }

        _stop.Dispose();
    }

    /// <summary>
    /// A broker that answers every request of every connection by itself: as a broker does
    /// (<see cref="BrokerReply.Answer"/>), or not at all, or by closing the connection, or (SUBSCRIBE) by
    /// refusing it; for the failures a real broker will not produce on demand (a SUBACK that never comes,
    /// a connection cut in the middle of an UNSUBSCRIBE...). It grants what is asked and holds no state.
    /// </summary>
    public static ScriptedBroker Answering(
        BrokerReply connect = BrokerReply.Answer,
        BrokerReply subscribe = BrokerReply.Answer,
        BrokerReply publish = BrokerReply.Answer,
        BrokerReply unsubscribe = BrokerReply.Answer) =>
        new((connection, cancellationToken) => AnswerAsync(connection, connect, subscribe, publish, unsubscribe, cancellationToken));

    private static async Task AnswerAsync(BrokerConnection connection, BrokerReply connect, BrokerReply subscribe, BrokerReply publish, BrokerReply unsubscribe, CancellationToken cancellationToken)
    {
        try
        {
            while (true)
            {
                var packet = await connection.ReadPacketAsync(cancellationToken);
                var body = packet.Body;
                (BrokerReply what, byte[]? reply) = packet.Type switch
                {
                    1 => (connect, BrokerConnection.ConnAck()),
                    3 => (publish, ((packet.Flags >> 1) & 3) switch
                    {
                        1 => PublishAck(0x40, body),
                        2 => PublishAck(0x50, body),
                        _ => null,
                    }),
                    6 => (publish, [0x70, 0x02, body[0], body[1]]), // PUBREL: PUBCOMP
                    8 => (subscribe == BrokerReply.Refuse ? BrokerReply.Answer : subscribe, // one filter per request from the modem
                        [0x90, 0x03, body[0], body[1], subscribe == BrokerReply.Refuse ? (byte)0x80 : body[^1]]),
                    10 => (unsubscribe, [0xB0, 0x02, body[0], body[1]]),
                    12 => (BrokerReply.Answer, [0xD0, 0x00]), // PINGREQ
                    14 => (BrokerReply.Close, null), // DISCONNECT
                    _ => (BrokerReply.Ignore, null),
                };

                if (what == BrokerReply.Close)
                {
                    connection.Dispose();
                    return;
                }

                if (what == BrokerReply.Answer && reply is not null)
                {
                    await connection.WriteAsync(reply);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }

    /// <summary>PUBACK or PUBREC for a PUBLISH body: the packet identifier follows the topic.</summary>
    private static byte[] PublishAck(byte type, byte[] body)
    {
        int topicLength = (body[0] << 8) | body[1];
        return [type, 0x02, body[2 + topicLength], body[3 + topicLength]];
    }

    private Task AcceptLoopAsync() => AcceptLoop.RunAsync(_listener, socket =>
    {
        var connection = new BrokerConnection(socket);
        lock (_all)
        {
            _all.Add(connection);
        }

        if (_serve is { } serve)
        {
            _ = Task.Run(() => serve(connection, _stop.Token));
        }
        else
        {
            _accepted.Writer.TryWrite(connection);
        }
    }, _stop.Token);
}

/// <summary>One MQTT packet as read from the wire.</summary>
public sealed record MqttPacket(int Type, int Flags, byte[] Body)
{
    /// <summary>The packet identifier of a PUBACK, PUBREC, PUBREL, PUBCOMP, SUBSCRIBE or UNSUBSCRIBE.</summary>
    public ushort PacketId => (ushort)((Body[0] << 8) | Body[1]);

    /// <summary>Reads one whole packet (fixed header, remaining length, body) from <paramref name="stream"/>.</summary>
    /// <exception cref="EndOfStreamException">The stream ended (the peer closed the connection).</exception>
    public static async Task<MqttPacket> ReadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var one = new byte[1];
        await stream.ReadExactlyAsync(one, cancellationToken);
        int type = one[0] >> 4;
        int flags = one[0] & 0x0F;
        int length = 0;
        for (int shift = 0; ; shift += 7)
        {
            await stream.ReadExactlyAsync(one, cancellationToken);
            length |= (one[0] & 0x7F) << shift;
            if ((one[0] & 0x80) == 0)
            {
                break;
            }
        }

        var body = new byte[length];
        await stream.ReadExactlyAsync(body, cancellationToken);
        return new MqttPacket(type, flags, body);
    }
}

/// <summary>One connection to a <see cref="ScriptedBroker"/>: raw MQTT packets both ways.</summary>
public sealed class BrokerConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;

    internal BrokerConnection(Socket socket)
    {
        _socket = socket;
        _socket.NoDelay = true;
        _stream = new NetworkStream(socket, ownsSocket: true);
        AcceptedAt = DateTime.UtcNow;
    }

    /// <summary>When the connection was accepted.</summary>
    public DateTime AcceptedAt { get; }

    /// <summary>Reads one packet; throws <see cref="EndOfStreamException"/> when the modem closed the connection.</summary>
    public async Task<MqttPacket> ReadPacketAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        return await ReadPacketAsync(cts.Token);
    }

    /// <summary>Reads one packet, for as long as <paramref name="cancellationToken"/> allows.</summary>
    public Task<MqttPacket> ReadPacketAsync(CancellationToken cancellationToken) => MqttPacket.ReadAsync(_stream, cancellationToken);

    /// <summary>Reads packets until one of <paramref name="type"/> (PINGREQ and others are skipped).</summary>
    public async Task<MqttPacket> ReadPacketAsync(int type, TimeSpan timeout)
    {
        while (true)
        {
            var packet = await ReadPacketAsync(timeout);
            if (packet.Type == type)
            {
                return packet;
            }

            if (packet.Type == 12)
            {
                await WriteAsync([0xD0, 0x00]);
            }
        }
    }

    /// <summary>True once the modem has closed the connection (FIN or RST), within <paramref name="timeout"/>.</summary>
    public async Task<bool> WaitClosedAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        var buffer = new byte[4096];
        try
        {
            while (await _stream.ReadAsync(buffer, cts.Token) > 0)
            {
            }

            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    /// <summary>Writes <paramref name="bytes"/> to the modem; a connection the modem already closed is ignored.</summary>
    public async Task WriteAsync(byte[] bytes)
    {
        try
        {
            await _stream.WriteAsync(bytes);
        }
        catch (IOException)
        {
            // The modem may close a connection it judged hostile while the test still writes.
        }
    }

    /// <summary>Closes the connection the way a crashing broker would: RST.</summary>
    public void Reset()
    {
        try
        {
            _socket.LingerState = new LingerOption(true, 0);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        _stream.Dispose();
    }

    /// <summary>Closes the connection.</summary>
    public void Dispose() => _stream.Dispose();

    /// <summary>CONNACK, accepted.</summary>
    public static byte[] ConnAck(bool sessionPresent = false) => [0x20, 0x02, (byte)(sessionPresent ? 1 : 0), 0x00];

    /// <summary>SUBACK granting <paramref name="qos"/> to the one filter of <paramref name="subscribe"/>.</summary>
    public static byte[] SubAck(MqttPacket subscribe, int qos) => [0x90, 0x03, subscribe.Body[0], subscribe.Body[1], (byte)qos];

    /// <summary>A PUBREL for <paramref name="packetId"/>.</summary>
    public static byte[] PubRel(ushort packetId) => [0x62, 0x02, (byte)(packetId >> 8), (byte)packetId];

    /// <summary>A PUBLISH packet.</summary>
    public static byte[] Publish(string topic, byte[] payload, int qos = 0, ushort packetId = 0, bool dup = false, bool retain = false)
    {
        var topicBytes = Encoding.UTF8.GetBytes(topic);
        int remaining = 2 + topicBytes.Length + (qos > 0 ? 2 : 0) + payload.Length;
        var packet = new List<byte>(remaining + 5) { (byte)(0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0)) };
        packet.AddRange(RemainingLength(remaining));
        packet.Add((byte)(topicBytes.Length >> 8));
        packet.Add((byte)topicBytes.Length);
        packet.AddRange(topicBytes);
        if (qos > 0)
        {
            packet.Add((byte)(packetId >> 8));
            packet.Add((byte)packetId);
        }

        packet.AddRange(payload);
        return [.. packet];
    }

    /// <summary>MQTT's variable-length encoding of a remaining length.</summary>
    public static byte[] RemainingLength(int length)
    {
        var bytes = new List<byte>(4);
        do
        {
            byte b = (byte)(length % 128);
            length /= 128;
            if (length > 0)
            {
                b |= 0x80;
            }

            bytes.Add(b);
        }
        while (length > 0);
        return [.. bytes];
    }
}

/// <summary>
/// Publishes one QoS 0 message over a bare socket: for payloads (tens of megabytes) that a full client
/// library writes too slowly for the broker's keepalive.
/// </summary>
public static class RawPublisher
{
    /// <summary>Connects to the broker on <paramref name="port"/>, publishes <paramref name="payload"/> to <paramref name="topic"/> at QoS 0 and disconnects.</summary>
    public static async Task PublishAsync(int port, string topic, byte[] payload, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(IPAddress.Loopback, port, cts.Token);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var clientId = Encoding.ASCII.GetBytes("raw-" + Guid.NewGuid().ToString("N")[..12]);

        // CONNECT, MQTT 3.1.1, clean session, keepalive 60 s.
        byte[] variable = [0x00, 0x04, (byte)'M', (byte)'Q', (byte)'T', (byte)'T', 0x04, 0x02, 0x00, 0x3C, 0x00, (byte)clientId.Length, .. clientId];
        await stream.WriteAsync((byte[])[0x10, .. BrokerConnection.RemainingLength(variable.Length), .. variable], cts.Token);
        var connAck = new byte[4];
        await stream.ReadExactlyAsync(connAck, cts.Token);
        if (connAck[0] != 0x20 || connAck[3] != 0)
        {
            throw new InvalidOperationException($"CONNACK refused: {Convert.ToHexString(connAck)}");
        }

        await stream.WriteAsync(BrokerConnection.Publish(topic, payload), cts.Token);
        await stream.WriteAsync((byte[])[0xE0, 0x00], cts.Token);
    }
}
