using System.Buffers;
using System.Globalization;
using System.Text;
using AtMqtt.Core.Device;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Output;
using MQTTnet;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// One SIMCom client_index (0..1): what AT+CMQTTACCQ, CFG, SSLCFG, WILL*, TOPIC, PAYLOAD and SUBTOPIC/UNSUBTOPIC
/// gave it, and the way it reports its link to the host (docs/simcom.md): a message as the length-framed
/// <c>+CMQTTRXSTART</c> ... <c>+CMQTTRXEND</c> block (topic and payload in pieces of at most
/// <see cref="PieceBytes"/>), a lost connection as <c>+CMQTTCONNLOST: &lt;i&gt;,&lt;cause&gt;</c> or
/// <c>+CMQTTPING: &lt;i&gt;,&lt;err&gt;</c>, a lost network as <c>+CMQTTNONET</c>. Its actions run one at a time,
/// in the order the host sent them, so their result URCs come in that order too.
/// </summary>
internal sealed class SimcomClient(int index) : ILinkReporter
{
    /// <summary>The most bytes of a topic or payload one RXTOPIC / RXPAYLOAD piece carries (SIM7600 manual; two captures).</summary>
    public const int PieceBytes = 1500;

    /// <summary>The PDP context the MQTT service uses: the default bearer (AT+CMQTTSTART's write form, which picks another, is not modelled).</summary>
    public const int BearerContext = 1;

    /// <summary>What the SUBTOPIC / UNSUBTOPIC lists may hold in all (A76XX manual: 5120 bytes).</summary>
    public const int ListBytes = 5120;

    private readonly SemaphoreSlim _actions = new(1, 1);

    public int Index { get; } = index;

    /// <summary>The modem this client belongs to (set by the first command that reaches it).</summary>
    public Modem? Modem { get; set; }

    public bool Acquired { get; private set; }

    public string ClientId { get; private set; } = "";

    /// <summary>ACCQ's server_type: 0 TCP, 1 SSL/TLS.</summary>
    public int ServerType { get; private set; }

    /// <summary>AT+CMQTTSSLCFG's SSL context; null: the client index (A76XX manual).</summary>
    public int? SslContext { get; set; }

    public int CheckUtf8 { get; set; } = 1;

    public int OpTimeout { get; set; } = 120;

    /// <summary>CFG "version": 3 = MQTT 3.1 (the A76XX default), 4 = MQTT 3.1.1.</summary>
    public int Version { get; set; } = 3;

    public (string ProductKey, string DeviceName, string DeviceSecret)? AliAuth { get; set; }

    /// <summary>
    /// CFG "argtopic" (A76XX MQTT-EX): 1 = the inline SUB/UNSUB/PUB forms and one <c>+CMQTTRECV</c> URC per message
    /// instead of the RXSTART block (docs/simcom.md, "argtopic").
    /// </summary>
    public int ArgTopic { get; set; }

    /// <summary>CFG "argtopic"'s payload_len_enable: 1 = <c>+CMQTTRECV</c> carries the payload's length.</summary>
    public int ArgTopicLength { get; set; }

    /// <summary>The most bytes of an inline topic (A76XX MQTT-EX manual: 500).</summary>
    public const int InlineTopicBytes = 500;

    public string WillTopic { get; set; } = "";

    public byte[]? WillMessage { get; set; }

    public int WillQos { get; set; }

    public byte[]? Topic { get; set; }

    public byte[]? Payload { get; set; }

    public List<(string Filter, int Qos)> SubTopics { get; } = [];

    public List<string> UnsubTopics { get; } = [];

    /// <summary>Bytes held in the SUBTOPIC / UNSUBTOPIC lists.</summary>
    public int ListLength => SubTopics.Sum(s => Encoding.UTF8.GetByteCount(s.Filter)) + UnsubTopics.Sum(Encoding.UTF8.GetByteCount);

    /// <summary>The server address CONNECT was given, for AT+CMQTTCONNECT? (kept until DISC or REL).</summary>
    public (string Address, int KeepAlive, int Clean, string? User, string? Password)? Connected { get; set; }

    public void Acquire(string clientId, int serverType)
    {
        Acquired = true;
        ClientId = clientId;
        ServerType = serverType;
    }

    /// <summary>AT+CMQTTREL, AT+CMQTTSTOP's end, a restart: the client's settings go (REL clears CFG too).</summary>
    public void Release()
    {
        Acquired = false;
        ClientId = "";
        ServerType = 0;
        SslContext = null;
        CheckUtf8 = 1;
        OpTimeout = 120;
        Version = 3;
        AliAuth = null;
        ArgTopic = 0;
        ArgTopicLength = 0;
        WillTopic = "";
        WillMessage = null;
        WillQos = 0;
        Topic = null;
        Payload = null;
        SubTopics.Clear();
        UnsubTopics.Clear();
        Connected = null;
    }

    /// <summary>
    /// Runs <paramref name="action"/> after this client's earlier actions, then queues the result line it returns
    /// (null: none) no sooner than the modem's result delay after <paramref name="okAt"/> (the timing model), and
    /// never before the OK is written. Called by a handler (it waits for the response of the command running).
    /// </summary>
    public void Then(Modem m, long okAt, Func<Task<string?>> action) => Later(_actions, m, okAt, action);

    /// <summary>The same for a module-wide action (START, STOP), serialised by <paramref name="gate"/>.</summary>
    public static void Later(SemaphoreSlim gate, Modem m, long okAt, Func<Task<string?>> action)
    {
        var time = m.Options.TimeProvider;
        var lifetime = m.Lifetime;
        var answered = m.ResponseWritten;
        _ = Task.Run(async () =>
        {
            await gate.WaitAsync(lifetime).ConfigureAwait(false);
            try
            {
                string? line = await action().ConfigureAwait(false);
                var left = m.ResultDelay - time.GetElapsedTime(okAt);
                if (left > TimeSpan.Zero)
                {
                    await Task.Delay(left, time, lifetime).ConfigureAwait(false);
                }

                // Never before the command's own OK, which a command that answers at once writes after returning.
                await answered.WaitAsync(lifetime).ConfigureAwait(false);

                if (line is not null)
                {
                    // A command's result is the host's answer: a module line, never dropped with the link.
                    m.Urcs.Enqueue(Encoding.UTF8.GetBytes("\r\n" + line + "\r\n"));
                }
            }
            finally
            {
                gate.Release();
            }
        }, CancellationToken.None);
    }

    public bool CanTake(MqttLink link, MqttApplicationMessage message) => true;

    /// <summary>
    /// The framed block, queued as one line with the message's acknowledgement: a QoS 1/2 message is acknowledged
    /// to the broker only once the host has the whole block (nothing lost).
    /// </summary>
    public void Deliver(MqttLink link, MqttApplicationMessage message, ushort packetId, InboundAck? acknowledge)
    {
        if (ArgTopic == 1)
        {
            DeliverInline(link, message, acknowledge);
            return;
        }

        int topicLength = Encoding.UTF8.GetByteCount(message.Topic);
        int payloadLength = checked((int)message.Payload.Length);
        int length = 2 + Header("+CMQTTRXSTART: ", topicLength, payloadLength)
            + Pieces("+CMQTTRXTOPIC: ", topicLength) + Pieces("+CMQTTRXPAYLOAD: ", payloadLength)
            + Header("+CMQTTRXEND: ", -1, -1);
        var line = ArrayPool<byte>.Shared.Rent(length);
        var span = line.AsSpan(0, length);
        int n = 0;
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        n += WriteHeader(span[n..], "+CMQTTRXSTART: ", topicLength, payloadLength);
        byte[] topic = Encoding.UTF8.GetBytes(message.Topic);
        n += WritePieces(span[n..], "+CMQTTRXTOPIC: ", new ReadOnlySequence<byte>(topic));
        n += WritePieces(span[n..], "+CMQTTRXPAYLOAD: ", message.Payload);
        n += WriteHeader(span[n..], "+CMQTTRXEND: ", -1, -1);
        link.Urcs.EnqueueMessage(line, n, acknowledge, link.Scope);
    }

    /// <summary>
    /// argtopic 1: <c>\r\n+CMQTTRECV: &lt;i&gt;,"&lt;topic&gt;"[,&lt;payload_len&gt;],"&lt;payload&gt;"\r\n</c>, topic and payload
    /// raw between their quotes (no escaping, as the manual's example; a binary payload needs the length), queued
    /// with the message's acknowledgement as the framed block is.
    /// </summary>
    private void DeliverInline(MqttLink link, MqttApplicationMessage message, InboundAck? acknowledge)
    {
        string head = "\r\n+CMQTTRECV: " + Index.ToString(CultureInfo.InvariantCulture) + ",\"";
        int topicLength = Encoding.UTF8.GetByteCount(message.Topic);
        int payloadLength = checked((int)message.Payload.Length);
        string middle = ArgTopicLength == 1 ? "\"," + payloadLength.ToString(CultureInfo.InvariantCulture) + ",\"" : "\",\"";
        int length = head.Length + topicLength + middle.Length + payloadLength + 3;
        var line = ArrayPool<byte>.Shared.Rent(length);
        var span = line.AsSpan(0, length);
        int n = Encoding.ASCII.GetBytes(head, span);
        n += Encoding.UTF8.GetBytes(message.Topic, span[n..]);
        n += Encoding.ASCII.GetBytes(middle, span[n..]);
        message.Payload.CopyTo(span[n..]);
        n += payloadLength;
        span[n++] = (byte)'"';
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        link.Urcs.EnqueueMessage(line, n, acknowledge, link.Scope);
    }

    /// <summary>
    /// The broker closed the connection: <c>+CMQTTCONNLOST: &lt;i&gt;,1</c> (socket closed passively); no answer to a
    /// keepalive ping: <c>+CMQTTPING: &lt;i&gt;,17</c>. A SIMCom client never reconnects by itself. (The network's
    /// losses are <see cref="NetworkChanged"/>'s.)
    /// </summary>
    public void Lost(MqttLink link, LinkLoss loss, bool reconnecting)
    {
        string text = loss == LinkLoss.PingTimeout
            ? Line("+CMQTTPING", Index, CmqttResult.Timeout)
            : Line("+CMQTTCONNLOST", Index, 1);
        link.Urcs.Enqueue(Encoding.ASCII.GetBytes("\r\n" + text + "\r\n"));
    }

    /// <summary>
    /// The network went under the MQTT service: registration lost, the radio off, context 1 (the bearer the
    /// service uses) down, or AT+NETOPEN's service closed. A connected client is cut with
    /// <c>+CMQTTCONNLOST: &lt;i&gt;,3</c> (network closed); after every client's line, the module's
    /// <c>+CMQTTNONET</c> once, and the service is stopped (the host starts it again: research §2.5).
    /// </summary>
    public void NetworkChanged(Modem modem, MqttLink link, CellularEvent change)
    {
        bool gone = change.Kind switch
        {
            CellularEventKind.RegistrationLost or CellularEventKind.RadioOff or CellularEventKind.NetworkClosed => true,
            CellularEventKind.ContextDeactivated => change.ContextId == BearerContext,
            _ => false,
        };
        if (!gone)
        {
            return;
        }

        Modem = modem;
        if (link.Drop($"the network went: {change.Kind}"))
        {
            link.Urcs.Enqueue(Encoding.ASCII.GetBytes("\r\n" + Line("+CMQTTCONNLOST", Index, 3) + "\r\n"));
        }

        // The module-wide line comes once, after the last client's (the modem calls each link in order).
        if (link.Index == modem.Links.Count - 1)
        {
            CmqttService.NetworkClosed(modem);
        }
    }

    public void Reconnected(MqttLink link)
    {
    }

    public void Cleared(MqttLink link)
    {
    }

    public static string Line(string name, params int[] fields) =>
        name + ": " + string.Join(',', fields.Select(f => f.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Bytes of <c>name&lt;i&gt;[,a[,b]]\r\n</c>.</summary>
    private int Header(string name, int a, int b) => name.Length + Digits(Index) + (a >= 0 ? 1 + Digits(a) : 0) + (b >= 0 ? 1 + Digits(b) : 0) + 2;

    private int Pieces(string name, int total)
    {
        int bytes = 0;
        for (int left = total; left > 0; left -= PieceBytes)
        {
            int piece = Math.Min(left, PieceBytes);
            bytes += Header(name, piece, -1) + piece + 2;
        }

        return bytes;
    }

    private int WriteHeader(Span<byte> span, string name, int a, int b)
    {
        int n = Encoding.ASCII.GetBytes(name, span);
        Index.TryFormat(span[n..], out int d, default, CultureInfo.InvariantCulture);
        n += d;
        foreach (int value in (ReadOnlySpan<int>)[a, b])
        {
            if (value >= 0)
            {
                span[n++] = (byte)',';
                value.TryFormat(span[n..], out d, default, CultureInfo.InvariantCulture);
                n += d;
            }
        }

        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        return n;
    }

    /// <summary>Header, piece bytes, CR LF, for each piece of at most <see cref="PieceBytes"/>.</summary>
    private int WritePieces(Span<byte> span, string name, ReadOnlySequence<byte> data)
    {
        int n = 0;
        while (data.Length > 0)
        {
            int piece = (int)Math.Min(data.Length, PieceBytes);
            n += WriteHeader(span[n..], name, piece, -1);
            data.Slice(0, piece).CopyTo(span[n..]);
            n += piece;
            span[n++] = (byte)'\r';
            span[n++] = (byte)'\n';
            data = data.Slice(piece);
        }

        return n;
    }

    private static int Digits(int value)
    {
        int digits = 1;
        for (; value >= 10; value /= 10)
        {
            digits++;
        }

        return digits;
    }
}
