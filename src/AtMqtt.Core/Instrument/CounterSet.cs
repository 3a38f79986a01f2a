namespace AtMqtt.Core.Instrument;

/// <summary>
/// The modem's running counts (<see cref="ModemState.Counters"/>, the program's <c>/metrics</c>), kept since the
/// modem was created: AT+RST and the reset pin do not clear them, as a test wants totals over its whole run. Each
/// count is one interlocked operation on a field of this modem where the thing happens (no allocation, no shared
/// state between modems), so they cost next to nothing; readers collect them when asked.
/// </summary>
public sealed class CounterSet
{
    private long _errors;
    private long _reconnects;
    private long _hostReceived;
    private long _hostSent;
    private long _brokerReceived;
    private long _brokerSent;
    private readonly long[] _published = new long[3];
    private readonly long[] _received = new long[3];

    // By the index of the command in the modem's table; the last slot is every line no command of it matched.
    private readonly long[] _byCommand;

    /// <summary>Counts for a modem whose command table has <paramref name="commands"/> commands.</summary>
    public CounterSet(int commands = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(commands);
        _byCommand = new long[commands + 1];
    }

    /// <summary>Command lines executed (busy p... answers and data-phase bytes are not commands): the sum of <see cref="ByCommand"/>.</summary>
    public long Commands
    {
        get
        {
            // Summed when read, so that a command line costs one increment, not two.
            long sum = 0;
            for (int i = 0; i < _byCommand.Length; i++)
            {
                sum += Interlocked.Read(ref _byCommand[i]);
            }

            return sum;
        }
    }

    /// <summary>ERROR final results (unknown commands, bad parameters, failures).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Successful reconnections of reconnect=1.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Messages the broker accepted from the host, by QoS 0..2.</summary>
    public long Published(int qos) => Interlocked.Read(ref _published[qos]);

    /// <summary>Messages the broker delivered to the modem, by QoS 0..2 (dropped ones included).</summary>
    public long Received(int qos) => Interlocked.Read(ref _received[qos]);

    /// <summary>The slots of <see cref="ByCommand"/>: the command table's length, and one for the lines it does not know.</summary>
    public int CommandSlots => _byCommand.Length;

    /// <summary>
    /// Command lines by the index of their command in <see cref="Modem.Commands"/>; index
    /// <c>CommandSlots - 1</c> counts the lines no command of the table matched (unknown names, lines
    /// that are not commands). They add up to <see cref="Commands"/>.
    /// </summary>
    public long ByCommand(int index) => Interlocked.Read(ref _byCommand[index]);

    /// <summary>Bytes the modem read from its host (every host session together).</summary>
    public long HostBytesReceived => Interlocked.Read(ref _hostReceived);

    /// <summary>Bytes the modem wrote to its host.</summary>
    public long HostBytesSent => Interlocked.Read(ref _hostSent);

    /// <summary>MQTT bytes the links read from their brokers (above TLS and WebSocket: the packets themselves).</summary>
    public long BrokerBytesReceived => Interlocked.Read(ref _brokerReceived);

    /// <summary>MQTT bytes the links wrote to their brokers.</summary>
    public long BrokerBytesSent => Interlocked.Read(ref _brokerSent);

    /// <summary>A command line of the table's command <paramref name="index"/>, or -1 for one it does not know.</summary>
    internal void Command(int index) =>
        Interlocked.Increment(ref _byCommand[(uint)index < (uint)(_byCommand.Length - 1) ? index : _byCommand.Length - 1]);

    internal void Error() => Interlocked.Increment(ref _errors);

    internal void Reconnect() => Interlocked.Increment(ref _reconnects);

    internal void Publish(int qos) => Interlocked.Increment(ref _published[Math.Clamp(qos, 0, 2)]);

    internal void Receive(int qos) => Interlocked.Increment(ref _received[Math.Clamp(qos, 0, 2)]);

    internal void HostReceived(long bytes) => Interlocked.Add(ref _hostReceived, bytes);

    internal void HostSent(long bytes) => Interlocked.Add(ref _hostSent, bytes);

    internal void BrokerReceived(long bytes) => Interlocked.Add(ref _brokerReceived, bytes);

    internal void BrokerSent(long bytes) => Interlocked.Add(ref _brokerSent, bytes);

    /// <summary>A copy for a snapshot.</summary>
    public Counters Read() => new(
        Commands,
        Errors,
        [Published(0), Published(1), Published(2)],
        [Received(0), Received(1), Received(2)],
        Reconnects);
}
