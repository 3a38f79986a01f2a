using System.Buffers;
using System.Globalization;
using System.Text;
using AtMqtt.Core.Device;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Output;
using MQTTnet;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// One Quectel client_idx: its AT+QMTCFG settings (kept across open and close, lost at restart), its
/// receive buffer of five slots (<c>recv/mode</c> 1), and the way it reports its link to the host:
/// <c>+QMTRECV</c> and <c>+QMTSTAT</c> (docs/quectel.md). Its actions run one at a time, in the order the
/// host sent them, so their result URCs come in that order too.
/// </summary>
internal sealed class QuectelClient : ILinkReporter
{
    /// <summary>Buffer slots per client in <c>recv/mode</c> 1 (recv_id 0..4).</summary>
    public const int Slots = 5;

    private readonly object _gate = new();
    private readonly Stored?[] _slots = new Stored?[Slots];

    // Messages that found every slot full: they take the next slot that frees, in order, unacknowledged meanwhile.
    private readonly Queue<Stored> _waiting = new();
    private readonly SemaphoreSlim _actions = new(1, 1);

    private readonly int _defaultVersion;

    /// <summary>A client of a module whose QMTCFG "version" is <paramref name="defaultVersion"/> at power-on (BG95 4, EC2x 3).</summary>
    public QuectelClient(int index, int defaultVersion = 4)
    {
        Index = index;
        _defaultVersion = defaultVersion;
        Version = defaultVersion;
    }

    public int Index { get; }

    /// <summary>QMTCFG "version": 3 = MQTT 3.1, 4 = MQTT 3.1.1 (the default is the module's, docs/quectel.md).</summary>
    public int Version { get; set; }

    public int PdpCid { get; set; } = 1;

    public int SslEnable { get; set; }

    public int SslContext { get; set; }

    public int KeepAlive { get; set; } = 120;

    /// <summary>QMTCFG "session": 1 = clean session.</summary>
    public int CleanSession { get; set; } = 1;

    public int PacketTimeout { get; set; } = 5;

    public int RetryTimes { get; set; } = 3;

    public int TimeoutNotice { get; set; }

    public int WillFlag { get; set; }

    public int WillQos { get; set; }

    public int WillRetain { get; set; }

    public string WillTopic { get; set; } = "";

    public byte[] WillMessage { get; set; } = [];

    public int RecvMode { get; set; }

    public int MsgLenEnable { get; set; }

    public (string ProductKey, string DeviceName, string DeviceSecret)? AliAuth { get; set; }

    /// <summary>Set by the modem that owns the link: where the held acknowledgements go once read.</summary>
    public Modem? Modem { get; set; }

    /// <summary>Back to power-on settings (AT+RST, the reset pin: QMTCFG settings are not saved).</summary>
    public void Reset()
    {
        Version = _defaultVersion;
        PdpCid = 1;
        SslEnable = 0;
        SslContext = 0;
        KeepAlive = 120;
        CleanSession = 1;
        PacketTimeout = 5;
        RetryTimes = 3;
        TimeoutNotice = 0;
        WillFlag = 0;
        WillQos = 0;
        WillRetain = 0;
        WillTopic = "";
        WillMessage = [];
        RecvMode = 0;
        MsgLenEnable = 0;
        AliAuth = null;
    }

    /// <summary>
    /// Runs <paramref name="action"/> after this client's earlier actions, then queues the line it returns
    /// (a result URC, with its CR LFs) no sooner than the modem's result delay after now, the OK (the timing
    /// model: the network's time), and never before the OK is written. Null: no URC. Called by a handler.
    /// </summary>
    public void Then(Modem m, MqttLink link, Func<Task<string?>> action)
    {
        var time = m.Options.TimeProvider;
        long okAt = time.GetTimestamp();
        var delay = m.ResultDelay;
        var lifetime = m.Lifetime;
        var answered = m.ResponseWritten;
        _ = Task.Run(async () =>
        {
            await _actions.WaitAsync(lifetime).ConfigureAwait(false);
            try
            {
                string? line = await action().ConfigureAwait(false);
                var left = delay - time.GetElapsedTime(okAt);
                if (left > TimeSpan.Zero)
                {
                    await Task.Delay(left, time, lifetime).ConfigureAwait(false);
                }

                // Never before the command's own OK, which a command that answers at once writes after returning.
                await answered.WaitAsync(lifetime).ConfigureAwait(false);
                if (line is not null)
                {
                    link.Urcs.EnqueueLink(Encoding.UTF8.GetBytes(line), link.Scope);
                }
            }
            finally
            {
                _actions.Release();
            }
        }, CancellationToken.None);
    }

    public bool CanTake(MqttLink link, MqttApplicationMessage message) => true;

    public void Deliver(MqttLink link, MqttApplicationMessage message, ushort packetId, InboundAck? acknowledge)
    {
        if (RecvMode == 0)
        {
            var (line, length) = Line(message.Topic, packetId, message.Payload, lengthField: MsgLenEnable == 1, urc: true);
            link.Urcs.EnqueueMessage(line, length, acknowledge, link.Scope);
            return;
        }

        if (acknowledge is null)
        {
            if (!link.Urcs.TryHoldQos0())
            {
                return;
            }
        }
        else
        {
            link.Urcs.Hold();
        }

        var stored = new Stored(packetId, message.Topic, message.Payload.ToArray(), acknowledge);
        int slot;
        lock (_gate)
        {
            slot = Place(stored);
        }

        if (slot >= 0)
        {
            Announce(link, slot);
        }
    }

    /// <summary>+QMTSTAT: 1 when the broker closed the connection, 2 when it stopped answering (docs/quectel.md).</summary>
    public void Lost(MqttLink link, LinkLoss loss, bool reconnecting) => Stat(link, loss == LinkLoss.PingTimeout ? 2 : 1);

    /// <summary>
    /// The network took this client's connection: registration lost or the radio off (every client), or the PDP
    /// context of its <c>pdpcid</c> down. An opened or connected client is closed with <c>+QMTSTAT: &lt;idx&gt;,1</c>
    /// (the peer is gone, as far as the module can tell: docs/quectel.md); the host opens it again.
    /// </summary>
    public void NetworkChanged(Modem modem, MqttLink link, CellularEvent change)
    {
        bool gone = change.Kind switch
        {
            CellularEventKind.RegistrationLost or CellularEventKind.RadioOff => true,
            CellularEventKind.ContextDeactivated => change.ContextId == PdpCid,
            _ => false,
        };
        if (gone && link.Drop($"the network went: {change.Kind}"))
        {
            Stat(link, 1);
        }
    }

    private void Stat(MqttLink link, int cause) =>
        link.Urcs.EnqueueLink(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"\r\n+QMTSTAT: {Index},{cause}\r\n")), link.Scope);

    /// <summary>A Quectel client does not reconnect by itself (the host opens it again after +QMTSTAT).</summary>
    public void Reconnected(MqttLink link)
    {
    }

    /// <summary>The client was closed: what it held for the host goes, unacknowledged (the broker may deliver it again).</summary>
    public void Cleared(MqttLink link)
    {
        List<Stored> gone = [];
        lock (_gate)
        {
            for (int i = 0; i < Slots; i++)
            {
                if (_slots[i] is { } s)
                {
                    gone.Add(s);
                    _slots[i] = null;
                }
            }

            gone.AddRange(_waiting);
            _waiting.Clear();
        }

        foreach (var s in gone)
        {
            Forget(link, s);
        }
    }

    /// <summary>Which slots hold a message (AT+QMTRECV?).</summary>
    public bool[] Occupied()
    {
        lock (_gate)
        {
            return [.. _slots.Select(s => s is not null)];
        }
    }

    /// <summary>Takes the message in <paramref name="slot"/> (null: the oldest stored); null when there is none.</summary>
    public Stored? Take(MqttLink link, int? slot)
    {
        Stored? taken = null;
        int refilled = -1;
        lock (_gate)
        {
            int at = slot ?? Oldest();
            if (at >= 0 && _slots[at] is { } s)
            {
                taken = s;
                _slots[at] = null;
                if (_waiting.TryDequeue(out var next))
                {
                    _slots[at] = next;
                    refilled = at;
                }
            }
        }

        if (taken is { Acknowledge: null })
        {
            link.Urcs.ReleaseQos0();
        }

        if (refilled >= 0)
        {
            Announce(link, refilled);
        }

        return taken;
    }

    /// <summary>
    /// <c>+QMTRECV: idx,msgID,"topic"[,len],"payload"</c>: the payload raw between the quotes, as the module writes
    /// it; as a URC (recv/mode 0) with CR LF before and after, in a buffer rented from the shared pool.
    /// </summary>
    public (byte[] Line, int Length) Line(string topic, ushort packetId, ReadOnlySequence<byte> payload, bool lengthField, bool urc)
    {
        string head = lengthField
            ? string.Create(CultureInfo.InvariantCulture, $"{(urc ? "\r\n" : "")}+QMTRECV: {Index},{packetId},\"{topic}\",{payload.Length},\"")
            : string.Create(CultureInfo.InvariantCulture, $"{(urc ? "\r\n" : "")}+QMTRECV: {Index},{packetId},\"{topic}\",\"");
        int headBytes = Encoding.UTF8.GetByteCount(head);
        int length = headBytes + checked((int)payload.Length) + 3;
        var line = ArrayPool<byte>.Shared.Rent(length);
        int n = Encoding.UTF8.GetBytes(head, line);
        payload.CopyTo(line.AsSpan(n));
        n += (int)payload.Length;
        line[n++] = (byte)'"';
        line[n++] = (byte)'\r';
        line[n++] = (byte)'\n';
        return (line, n);
    }

    private int Oldest()
    {
        int best = -1;
        for (int i = 0; i < Slots; i++)
        {
            if (_slots[i] is { } s && (best < 0 || s.Sequence < _slots[best]!.Sequence))
            {
                best = i;
            }
        }

        return best;
    }

    private int Place(Stored stored)
    {
        for (int i = 0; i < Slots; i++)
        {
            if (_slots[i] is null)
            {
                _slots[i] = stored;
                return i;
            }
        }

        _waiting.Enqueue(stored);
        return -1;
    }

    private void Announce(MqttLink link, int slot) =>
        link.Urcs.EnqueueLink(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"\r\n+QMTRECV: {Index},{slot}\r\n")), link.Scope);

    private static void Forget(MqttLink link, Stored s)
    {
        if (s.Acknowledge is { } ack)
        {
            _ = link.Urcs.AcknowledgeHeldAsync(ack, send: false, CancellationToken.None);
        }
        else
        {
            link.Urcs.ReleaseQos0();
        }
    }

    /// <summary>A message in the receive buffer, its acknowledgement held until the host has read it.</summary>
    public sealed record Stored(ushort PacketId, string Topic, byte[] Payload, InboundAck? Acknowledge)
    {
        private static long _next;

        public long Sequence { get; } = Interlocked.Increment(ref _next);
    }
}
