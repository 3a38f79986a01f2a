namespace AtMqtt.Core.Instrument;

/// <summary>
/// The modem's running counts (<see cref="ModemState.Counters"/>), kept since the modem was created:
/// AT+RST and the reset pin do not clear them, as a test wants totals over its whole run. Each count is
/// one interlocked increment on the path that causes it, so they cost next to nothing.
/// </summary>
public sealed class CounterSet
{
    private long _commands;
    private long _errors;
    private long _reconnects;
    private readonly long[] _published = new long[3];
    private readonly long[] _received = new long[3];

    /// <summary>Command lines executed (busy p... answers and data-phase bytes are not commands).</summary>
    public long Commands => Interlocked.Read(ref _commands);

    /// <summary>ERROR final results (unknown commands, bad parameters, failures).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Successful reconnections of reconnect=1.</summary>
    public long Reconnects => Interlocked.Read(ref _reconnects);

    /// <summary>Messages the broker accepted from the host, by QoS 0..2.</summary>
    public long Published(int qos) => Interlocked.Read(ref _published[qos]);

    /// <summary>Messages the broker delivered to the modem, by QoS 0..2 (dropped ones included).</summary>
    public long Received(int qos) => Interlocked.Read(ref _received[qos]);

    internal void Command() => Interlocked.Increment(ref _commands);

    internal void Error() => Interlocked.Increment(ref _errors);

    internal void Reconnect() => Interlocked.Increment(ref _reconnects);

    internal void Publish(int qos) => Interlocked.Increment(ref _published[Math.Clamp(qos, 0, 2)]);

    internal void Receive(int qos) => Interlocked.Increment(ref _received[Math.Clamp(qos, 0, 2)]);

    /// <summary>A copy for a snapshot.</summary>
    public Counters Read() => new(
        Commands,
        Errors,
        [Published(0), Published(1), Published(2)],
        [Received(0), Received(1), Received(2)],
        Reconnects);
}
