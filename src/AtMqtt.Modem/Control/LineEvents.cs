using System.Buffers;
using System.Globalization;
using System.Threading.Channels;
using AtMqtt.Cli.Transcript;
using AtMqtt.Core.Instrument;

namespace AtMqtt.Cli.Control;

/// <summary>
/// The control API's <c>line</c> events: every line each way, redacted exactly as the transcript is
/// (a <see cref="TrafficRecorder"/> of its own, with the same secrets), published on the modem's
/// <see cref="EventHub"/>, from the program's start (the event history keeps them for a page opened later).
/// </summary>
/// <remarks>
/// <para>
/// The channel's threads only copy each chunk into a bounded queue; redaction, cutting into lines and
/// publishing happen on a task of their own that drains it. So the byte path pays a copy per read or
/// write, never waits for the control side, and the queue never grows past <see cref="MaxQueuedBytes"/>
/// or <see cref="MaxQueuedChunks"/>: what does not fit is dropped and counted, and a <c>state</c> event
/// (<c>lines</c> = <c>dropped</c>) says how many bytes each way went unseen.
/// </para>
/// <para>
/// Order: before any other event (a state change, a fault, a finding) the hub has the lines queued so far
/// published first, on that event's thread (<see cref="EventHub.FlushLines"/>): a line still comes
/// before the state change it caused, as when lines were made on the channel's thread (unless the
/// drain is more than 1,024 chunks behind: then the rest follows, and that thread is not held up).
/// </para>
/// <para>
/// After a gap the recorder starts afresh and each direction waits for a chunk that starts a line (for
/// the host's bytes, outside a data phase, whose bytes may be an AT+MQTTLONGPASSWORD's): the redactor
/// reads commands from their start, so it must never see the tail of an AT+MQTTUSERCFG or AT+CWJAP line
/// as traffic. Whether a chunk starts a line is decided on the channel's thread, as the bytes pass.
/// </para>
/// </remarks>
internal sealed class LineEvents : IByteObserver, IDisposable
{
    /// <summary>Bytes waiting for the control side, at most (a few seconds of a fast line).</summary>
    public const int MaxQueuedBytes = 4 << 20;

    /// <summary>Chunks waiting for the control side, at most.</summary>
    public const int MaxQueuedChunks = 65_536;

    private const int DrainBatch = 64;
    private const int FlushBatch = 1024;

    private static readonly TimeSpan Coalesce = TimeSpan.FromMilliseconds(10);

    private readonly EventHub _hub;
    private readonly Func<bool> _inDataPhase;
    private readonly int _maxQueuedBytes;
    // Read by the drain task and by FlushLines' callers (in turn, under _gate).
    private readonly Channel<Chunk> _queue = Channel.CreateUnbounded<Chunk>(new UnboundedChannelOptions { SingleReader = false });
    private readonly Lock _gate = new();
    private readonly List<string> _secrets = [];
    private readonly ChunkClock _clock = new();

    // Per direction, each written by the one thread that passes that direction's bytes.
    private readonly bool[] _endsLine = [true, true];

    // Per direction: bytes dropped since the last report, and a gap its next queued chunk must carry.
    private readonly long[] _dropped = new long[2];
    private readonly int[] _gap = new int[2];
    private readonly bool[] _synced = [true, true];
    private long _queuedBytes;
    private int _queuedChunks;
    private TrafficRecorder _recorder;
    private Task? _drain;

    /// <param name="hub">Where the events go.</param>
    /// <param name="inDataPhase">True while the host's bytes are a data phase's (the modem's view).</param>
    /// <param name="maxQueuedBytes">The queue's bound (tests make it small).</param>
    /// <param name="drain">False: the queue fills until <see cref="StartDraining"/> (tests of the bound).</param>
    public LineEvents(EventHub hub, Func<bool> inDataPhase, int maxQueuedBytes = MaxQueuedBytes, bool drain = true)
    {
        _hub = hub;
        _inDataPhase = inDataPhase;
        _maxQueuedBytes = maxQueuedBytes;
        _recorder = NewRecorder();
        hub.FlushLines = Flush;
        if (drain)
        {
            StartDraining();
        }
    }

    /// <summary>As <see cref="TrafficRecorder.AddSecret"/>: hidden wherever it appears.</summary>
    public void AddSecret(string secret)
    {
        lock (_gate)
        {
            _secrets.Add(secret);
            _recorder.AddSecret(secret);
        }
    }

    /// <summary>Starts the task that turns queued bytes into events (the constructor does, unless told not to).</summary>
    public void StartDraining() => _drain ??= Task.Run(DrainAsync);

    /// <summary>On the channel's thread: the bytes are copied and queued, or counted as dropped.</summary>
    public void Record(Direction direction, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        int d = (int)direction;
        bool lineStart = _endsLine[d];
        _endsLine[d] = bytes[^1] == (byte)'\n';

        // Checked, then added: the two directions may overshoot the bound by a chunk each.
        if (Volatile.Read(ref _queuedBytes) + bytes.Length > _maxQueuedBytes || Volatile.Read(ref _queuedChunks) >= MaxQueuedChunks)
        {
            Interlocked.Add(ref _dropped[d], bytes.Length);
            Volatile.Write(ref _gap[d], 1);
            return;
        }

        bool resyncPoint = lineStart && (direction == Direction.ModemToHost || !_inDataPhase());
        long ticks = DateTime.UtcNow.Ticks; // a line's time is when its bytes passed, not when it was drained
        var buffer = ArrayPool<byte>.Shared.Rent(bytes.Length);
        bytes.CopyTo(buffer);
        Interlocked.Add(ref _queuedBytes, bytes.Length);
        Interlocked.Increment(ref _queuedChunks);

        // The next chunk of a direction that lost bytes carries the gap, so the drain sees it in order.
        bool gap = Volatile.Read(ref _gap[d]) != 0 && Interlocked.Exchange(ref _gap[d], 0) != 0;
        if (!_queue.Writer.TryWrite(new Chunk(direction, buffer, bytes.Length, ticks, resyncPoint, gap)))
        {
            ArrayPool<byte>.Shared.Return(buffer); // only after Dispose
        }
    }

    /// <summary>Lets the queued bytes out as events (waiting a little for them), then the recorder's last line.</summary>
    public void Dispose()
    {
        _hub.FlushLines = null;
        _queue.Writer.TryComplete();
        try
        {
            _drain?.Wait(TimeSpan.FromSeconds(2));
        }
        catch (AggregateException)
        {
        }

        lock (_gate)
        {
            _recorder.Dispose();
        }
    }

    private async Task DrainAsync()
    {
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            // Bytes come in bursts: a few milliseconds of them make one wake-up and one fan-out, not one
            // per read or write (on a busy machine the wake-ups, not the redaction, cost the most).
            await Task.Delay(Coalesce).ConfigureAwait(false);
            bool more = true;
            while (more)
            {
                // A batch per lock: a Flush from another thread waits at most that long.
                lock (_gate)
                {
                    more = TakeQueued(DrainBatch);
                    if (!more && Interlocked.Exchange(ref _gap[0], 0) + Interlocked.Exchange(ref _gap[1], 0) > 0)
                    {
                        // Caught up after dropping, and the direction that lost bytes has not spoken since: say so now.
                        Resync();
                    }
                }
            }
        }
    }

    /// <summary>
    /// <see cref="EventHub.FlushLines"/>: before a state, fault or finding event, the lines queued so far
    /// become events on the publishing thread (rare next to lines, so the byte path hardly ever pays it).
    /// At most <see cref="FlushBatch"/> chunks: far behind, the thread is not held up, and the rest follows.
    /// </summary>
    private void Flush()
    {
        // Our own "lines dropped" event, published while draining.
        if (_gate.IsHeldByCurrentThread)
        {
            return;
        }

        lock (_gate)
        {
            TakeQueued(FlushBatch);
        }
    }

    /// <summary>Under the lock: up to <paramref name="max"/> queued chunks; true if more are waiting.</summary>
    private bool TakeQueued(int max)
    {
        for (int n = 0; n < max; n++)
        {
            if (!_queue.Reader.TryRead(out var chunk))
            {
                return false;
            }

            Interlocked.Add(ref _queuedBytes, -chunk.Length);
            Interlocked.Decrement(ref _queuedChunks);
            try
            {
                Take(chunk);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(chunk.Buffer);
            }
        }

        return true;
    }

    private void Take(in Chunk chunk)
    {
        if (chunk.GapBefore)
        {
            Resync();
        }

        int d = (int)chunk.Direction;
        if (!_synced[d])
        {
            if (!chunk.ResyncPoint)
            {
                return;
            }

            _synced[d] = true;
        }

        _clock.Now = new DateTimeOffset(chunk.Ticks, TimeSpan.Zero);
        _recorder.Record(chunk.Direction, chunk.Buffer.AsSpan(0, chunk.Length));
    }

    /// <summary>Bytes were dropped: the lines under way end, the event says how many, both directions resynchronise.</summary>
    private void Resync()
    {
        _recorder.Abandon();
        _recorder = NewRecorder();
        _synced[0] = _synced[1] = false;
        long toModem = Interlocked.Exchange(ref _dropped[(int)Direction.HostToModem], 0);
        long toHost = Interlocked.Exchange(ref _dropped[(int)Direction.ModemToHost], 0);
        _hub.Publish(new ModemEvent
        {
            Type = EventTypes.State,
            Name = "lines",
            Value = "dropped",
            Text = string.Create(CultureInfo.InvariantCulture, $"line events fell behind the channel: {toModem} bytes to the modem and {toHost} to the host not shown, nor the rest of their lines"),
        });
    }

    private TrafficRecorder NewRecorder()
    {
        var recorder = new TrafficRecorder([new Sink(_hub)], _clock);
        foreach (var secret in _secrets)
        {
            recorder.AddSecret(secret);
        }

        return recorder;
    }

    /// <summary>A copy of the bytes of one read or write, in a pooled buffer, and when it passed (UTC ticks).</summary>
    private readonly record struct Chunk(Direction Direction, byte[] Buffer, int Length, long Ticks, bool ResyncPoint, bool GapBefore);

    /// <summary>The recorder's clock: the time of the chunk it is given (its timers are the system's).</summary>
    private sealed class ChunkClock : TimeProvider
    {
        public DateTimeOffset Now { get; set; } = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => Now;
    }

    /// <summary>Each record of the recorder becomes one event.</summary>
    private sealed class Sink(EventHub hub) : ITrafficSink
    {
        public void Write(in TrafficRecord record)
        {
            if (record.Direction is not { } direction)
            {
                return; // the channel's own notes; state events say the same
            }

            hub.Publish(new ModemEvent
            {
                Time = record.Time,
                Type = EventTypes.Line,
                Direction = direction == Direction.HostToModem ? "to-modem" : "to-host",
                Text = record.Text,
            });
        }

        public void Dispose()
        {
        }
    }
}
