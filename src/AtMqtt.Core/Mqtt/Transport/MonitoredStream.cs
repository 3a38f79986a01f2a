using AtMqtt.Core.Instrument;
using AtMqtt.Core.Mqtt.Transport;

namespace AtMqtt.Core.Mqtt;

/// <summary>
/// The broker connection's stream, stamped with the time of the last byte received, so the link can
/// tell a silent network from a quiet one (MQTTnet pings only after send-idleness), and checked by a
/// <see cref="PacketGuard"/> before MQTTnet reads a byte of it. The network faults act here
/// (broker-stall, ack-delay); while none is active they cost one volatile read per read and write. The
/// modem's broker byte counts (<see cref="CounterSet.BrokerBytesReceived"/>, sent) are taken here too.
/// </summary>
internal sealed class MonitoredStream(Stream inner, PacketGuard guard, FaultSet? faults = null, CancellationToken aborted = default, CounterSet? counters = null) : Stream
{
    private long _lastReceived = Environment.TickCount64;

    // ack-delay: bytes read and inspected but not yet handed on (from the first held-back packet).
    private byte[]? _held;
    private int _heldStart;
    private int _heldEnd;
    private TimeSpan _heldDelay;

    public TimeSpan Silence => TimeSpan.FromMilliseconds(Environment.TickCount64 - Volatile.Read(ref _lastReceived));

    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_held is not null)
        {
            return await ReleaseHeldAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        int n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        counters?.BrokerReceived(n);
        if (faults is { Any: true } active)
        {
            return await FaultedReadAsync(active, buffer, n, cancellationToken).ConfigureAwait(false);
        }

        Stamp(n);
        guard.Inspect(buffer.Span[..n]);
        return n;
    }

    private async ValueTask<int> FaultedReadAsync(FaultSet active, Memory<byte> buffer, int n, CancellationToken cancellationToken)
    {
        // broker-stall: what came is held until the stall ends, and counts as received only then.
        await NetworkFaults.WhileStalledAsync(active, aborted, cancellationToken).ConfigureAwait(false);
        Stamp(n);
        int mask = NetworkFaults.AckDelayMask(active, out var delay);
        int start = guard.Inspect(buffer.Span[..n], mask);
        if (start < 0)
        {
            return n;
        }

        // ack-delay: what precedes the first held-back packet goes on now, the rest (in order, as
        // TCP would deliver it) after the delay.
        if (start == 0)
        {
            await Task.Delay(delay, aborted).ConfigureAwait(false);
            return n;
        }

        _held = buffer.Span[start..n].ToArray();
        _heldStart = 0;
        _heldEnd = _held.Length;
        _heldDelay = delay;
        return start;
    }

    private async ValueTask<int> ReleaseHeldAsync(Memory<byte> buffer, CancellationToken cancellationToken)
    {
        if (_heldDelay > TimeSpan.Zero)
        {
            using var either = CancellationTokenSource.CreateLinkedTokenSource(aborted, cancellationToken);
            await Task.Delay(_heldDelay, either.Token).ConfigureAwait(false);
            _heldDelay = TimeSpan.Zero;
        }

        int n = Math.Min(buffer.Length, _heldEnd - _heldStart);
        _held.AsSpan(_heldStart, n).CopyTo(buffer.Span);
        _heldStart += n;
        if (_heldStart == _heldEnd)
        {
            _held = null;
        }

        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count)
    {
        int n = inner.Read(buffer, offset, count);
        counters?.BrokerReceived(n);
        Stamp(n);
        guard.Inspect(buffer.AsSpan(offset, n));
        return n;
    }

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        // Counted as handed on: a write that then fails was meant for the broker all the same.
        counters?.BrokerSent(buffer.Length);
        return faults is { Any: true } active ? StalledWriteAsync(active, buffer, cancellationToken) : inner.WriteAsync(buffer, cancellationToken);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    /// <summary>broker-stall: nothing goes to the broker until it ends.</summary>
    private async ValueTask StalledWriteAsync(FaultSet active, ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken)
    {
        await NetworkFaults.WhileStalledAsync(active, aborted, cancellationToken).ConfigureAwait(false);
        await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override void Write(byte[] buffer, int offset, int count)
    {
        counters?.BrokerSent(count);
        inner.Write(buffer, offset, count);
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }

        base.Dispose(disposing);
    }

    private void Stamp(int n)
    {
        if (n > 0)
        {
            Volatile.Write(ref _lastReceived, Environment.TickCount64);
        }
    }
}
