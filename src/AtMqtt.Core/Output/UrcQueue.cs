using System.Buffers;
using System.Threading.Channels;
using AtMqtt.Core.Logging;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Core.Output;

/// <summary>
/// Unsolicited lines on their way to the host, in order. QoS 1/2 messages are acknowledged to the
/// broker only after their line was written (SPEC section 4, "nothing lost"); QoS 0 messages wait in a
/// bounded queue and past it are dropped and counted.
/// </summary>
public sealed class UrcQueue : IDisposable
{
    private readonly Channel<Item> _items = Channel.CreateUnbounded<Item>(new UnboundedChannelOptions { SingleReader = true });
    private readonly OutputWriter _output;
    private readonly int _qos0Limit;
    private readonly ILogger _log;

    // A broker can send QoS 0 messages faster than any host reads: one warning per drop would fill
    // the disk. The first is logged, then the running count every few seconds (AT+MQTTRXQUEUE? is exact).
    private readonly LogThrottle _dropLog;
    private readonly LogThrottle _ackLog;
    private const int Permanent = -1;
    private const int MaxBatchLines = 64;
    private const int MaxBatchBytes = 64 * 1024;

    private int _qos0Queued;
    private int _pending;

    // Completes when no line waits any more (urc-in-prompt waits for the lines waiting at a prompt).
    private TaskCompletionSource? _idle;
    private int _unacknowledged;
    private long _qos0Dropped;
    private long _tooLarge;

    internal UrcQueue(OutputWriter output, int qos0Limit, ILogger log, TimeProvider time)
    {
        _output = output;
        _qos0Limit = qos0Limit;
        _log = log;
        _dropLog = new LogThrottle(time, LogThrottle.DefaultInterval, summary: count =>
            _log.LogWarning("Receive queue full ({Limit} QoS 0 messages): {Count} more dropped, {Dropped} dropped so far", _qos0Limit, count, Qos0Dropped));
        _ackLog = LogThrottle.Summarising(log, LogLevel.Debug, "Acknowledgement not sent", time);
    }

    /// <summary>Called with each line as it is written to the host, just before (a scenario's URC triggers); null: none.</summary>
    internal Action<ReadOnlySpan<byte>>? Written { get; set; }

    /// <summary>Called after each QoS 0 message dropped, with the count so far (the host checks).</summary>
    internal Action<long>? Dropped { get; set; }

    /// <summary>QoS 0 messages dropped because the queue was full, since start.</summary>
    public long Qos0Dropped => Interlocked.Read(ref _qos0Dropped);

    /// <summary>Messages larger than <c>--max-message-bytes</c> whose connection was closed, since start.</summary>
    public long TooLarge => Interlocked.Read(ref _tooLarge);

    /// <summary>Counts a message refused for its size (the link closed its connection).</summary>
    public void CountTooLarge() => Interlocked.Increment(ref _tooLarge);

    /// <summary>QoS 0 messages waiting for the host.</summary>
    public int Qos0Waiting => Volatile.Read(ref _qos0Queued);

    /// <summary>The QoS 0 bound (<c>--rx-queue</c>).</summary>
    public int Qos0Limit => _qos0Limit;

    /// <summary>QoS 1/2 messages from the broker not yet acknowledged (waiting for the host, or their PUBACK/PUBREC on its way).</summary>
    public int Unacknowledged => Volatile.Read(ref _unacknowledged);

    /// <summary>Lines waiting for the host.</summary>
    public int Pending => Volatile.Read(ref _pending);

    /// <summary>The lines of link 0 (the scope <see cref="EnqueueLink(byte[])"/> and <see cref="Clear"/> use).</summary>
    public UrcScope Default { get; } = new();

    /// <summary>A line of the module itself (WIFI DISCONNECT, +TIME_UPDATED): never dropped, not cleared with the link.</summary>
    public void Enqueue(byte[] line) => Add(new Item(line, line.Length, false, null, null, Permanent, false));

    /// <summary>A status line of the MQTT link (+MQTTCONNECTED, +MQTTDISCONNECTED): cleared with the link.</summary>
    public void EnqueueLink(byte[] line) => EnqueueLink(line, Default);

    /// <summary>A status line of the link that owns <paramref name="scope"/>: cleared with that link only.</summary>
    public void EnqueueLink(byte[] line, UrcScope scope) => Add(new Item(line, line.Length, false, null, scope, scope.Current, false));

    /// <summary>
    /// A received message, its line in a buffer rented from <see cref="ArrayPool{T}.Shared"/> (returned
    /// once written or dropped); false when a QoS 0 message had to be dropped.
    /// </summary>
    public bool EnqueueMessage(byte[] pooledLine, int length, InboundAck? acknowledge) => EnqueueMessage(pooledLine, length, acknowledge, Default);

    /// <summary>A received message of the link that owns <paramref name="scope"/> (see <see cref="EnqueueMessage(byte[], int, InboundAck?)"/>).</summary>
    public bool EnqueueMessage(byte[] pooledLine, int length, InboundAck? acknowledge, UrcScope scope)
    {
        if (acknowledge is null)
        {
            if (Interlocked.Increment(ref _qos0Queued) > _qos0Limit)
            {
                Interlocked.Decrement(ref _qos0Queued);
                ArrayPool<byte>.Shared.Return(pooledLine);
                long dropped = Interlocked.Increment(ref _qos0Dropped);
                if (_dropLog.ShouldLog())
                {
                    _log.LogWarning("Receive queue full ({Limit} QoS 0 messages): message dropped, {Dropped} dropped so far", _qos0Limit, dropped);
                }

                Dropped?.Invoke(dropped);

                return false;
            }
        }

        if (acknowledge is not null)
        {
            Interlocked.Increment(ref _unacknowledged);
        }

        Add(new Item(pooledLine, length, true, acknowledge, scope, scope.Current, acknowledge is null));
        return true;
    }

    /// <summary>
    /// A QoS 0 message a host-pull buffer takes instead of a line: counted against the same bound; false
    /// (dropped and counted) past it. <see cref="ReleaseQos0"/> ends the count when the host read it or it went.
    /// </summary>
    public bool TryHoldQos0()
    {
        if (Interlocked.Increment(ref _qos0Queued) <= _qos0Limit)
        {
            return true;
        }

        Interlocked.Decrement(ref _qos0Queued);
        long dropped = Interlocked.Increment(ref _qos0Dropped);
        if (_dropLog.ShouldLog())
        {
            _log.LogWarning("Receive queue full ({Limit} QoS 0 messages): message dropped, {Dropped} dropped so far", _qos0Limit, dropped);
        }

        Dropped?.Invoke(dropped);
        return false;
    }

    /// <summary>A QoS 0 message <see cref="TryHoldQos0"/> counted is no longer held.</summary>
    public void ReleaseQos0() => Interlocked.Decrement(ref _qos0Queued);

    /// <summary>A QoS 1/2 message a host-pull buffer holds: counted as unacknowledged until <see cref="AcknowledgeHeldAsync"/>.</summary>
    public void Hold() => Interlocked.Increment(ref _unacknowledged);

    /// <summary>
    /// The host has the held message (its response was written), or it is gone with its link (<paramref name="send"/>
    /// false): the acknowledgement goes to the broker, or never will.
    /// </summary>
    public async Task AcknowledgeHeldAsync(InboundAck ack, bool send, CancellationToken cancellationToken)
    {
        try
        {
            if (send)
            {
                await ack.AcknowledgeAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            if (_log.IsEnabled(LogLevel.Debug) && _ackLog.ShouldLog())
            {
                _log.LogDebug(ex, "Acknowledgement not sent: the connection is gone");
            }
        }
        finally
        {
            Interlocked.Decrement(ref _unacknowledged);
        }
    }

    /// <summary>Completes once no line waits for the host: at once when none does.</summary>
    internal Task WhenIdle()
    {
        var idle = Volatile.Read(ref _idle);
        if (idle is null || idle.Task.IsCompleted)
        {
            var fresh = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            idle = Interlocked.CompareExchange(ref _idle, fresh, idle) == idle ? fresh : Volatile.Read(ref _idle)!;
        }

        // After the store: a release that missed it left Pending at zero for this check to see.
        if (Pending == 0)
        {
            idle.TrySetResult();
        }

        return idle.Task;
    }

    /// <summary>Forgets link 0's queued lines (AT+MQTTCLEAN, AT+RST): they belong to a link that is gone.</summary>
    public void Clear() => Default.Clear();

    internal async Task RunAsync(CancellationToken cancellationToken)
    {
        // Lines that are already waiting go out in one write (one system call for a burst of
        // messages); their acknowledgements follow, in order, once the write is done.
        // Both grow with the first lines: an idle modem (thousands in a fleet) holds neither (a list
        // sized for a full batch was 3 KB each).
        var batch = new ArrayBufferWriter<byte>();
        var taken = new List<Item>();
        try
        {
            while (await _items.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                // The lines are taken once they may go out: a link closed meanwhile has its lines left out.
                // A scenario's URC trigger hears of each line just before it goes out: what it starts
                // is in place before the host can answer the line.
                var written = Written;
                await _output.WriteUrcAsync(() => Take(batch, taken), cancellationToken, written is null ? null : () =>
                {
                    foreach (var item in taken)
                    {
                        written(item.Line.AsSpan(0, item.Length));
                    }
                }).ConfigureAwait(false);

                foreach (var item in taken)
                {
                    // Counted until written: the messages waiting for a host are among the bounded ones.
                    Release(item);
                    if (item.Acknowledge is { } ack)
                    {
                        try
                        {
                            await ack.AcknowledgeAsync(cancellationToken).ConfigureAwait(false);
                            Interlocked.Decrement(ref _unacknowledged);
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException)
                        {
                            Interlocked.Decrement(ref _unacknowledged);
                            // The connection it came on is gone; the broker redelivers it (persistent session) or never will.
                            if (_log.IsEnabled(LogLevel.Debug) && _ackLog.ShouldLog())
                            {
                                _log.LogDebug(ex, "Acknowledgement not sent: the connection is gone");
                            }
                        }
                    }
                }

                taken.Clear();
                batch.ResetWrittenCount();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>The lines waiting now (up to a batch), less those of links cleared since they were queued.</summary>
    private ReadOnlyMemory<byte> Take(ArrayBufferWriter<byte> batch, List<Item> taken)
    {
        while (taken.Count < MaxBatchLines && batch.WrittenCount < MaxBatchBytes && _items.Reader.TryRead(out var item))
        {
            if (item.Scope is { } scope && item.Generation != scope.Current)
            {
                Release(item);
                if (item.Acknowledge is not null)
                {
                    Interlocked.Decrement(ref _unacknowledged); // never will be: its link is gone
                }

                continue;
            }

            batch.Write(item.Line.AsSpan(0, item.Length));
            taken.Add(item);
        }

        return batch.WrittenMemory;
    }

    public void Dispose()
    {
        _dropLog.Dispose();
        _ackLog.Dispose();
    }

    private void Add(in Item item)
    {
        Interlocked.Increment(ref _pending);
        _items.Writer.TryWrite(item);
    }

    private void Release(in Item item)
    {
        if (Interlocked.Decrement(ref _pending) == 0)
        {
            Volatile.Read(ref _idle)?.TrySetResult();
        }

        if (item.CountsAsQos0)
        {
            Interlocked.Decrement(ref _qos0Queued);
        }

        if (item.Pooled)
        {
            ArrayPool<byte>.Shared.Return(item.Line);
        }
    }

    private readonly record struct Item(byte[] Line, int Length, bool Pooled, InboundAck? Acknowledge, UrcScope? Scope, int Generation, bool CountsAsQos0);
}

/// <summary>
/// The lines of one link in the shared queue: <see cref="Clear"/> forgets those still waiting (the link was
/// closed or reset) and leaves every other link's alone.
/// </summary>
public sealed class UrcScope
{
    private int _generation;

    internal int Current => Volatile.Read(ref _generation);

    public void Clear() => Interlocked.Increment(ref _generation);
}
