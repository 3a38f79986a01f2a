using System.Text;

namespace AtMqtt.Cli.Transcript;

/// <summary>One line of a transcript: when its first byte passed, which way, and the bytes as text.</summary>
/// <param name="Time">UTC time of the first byte (or of the event).</param>
/// <param name="Direction">Null for an event of the channel (a host attached, the rate changed).</param>
/// <param name="Text">Printable ASCII as is; <c>\r \n \t \\ \*</c> and <c>\xNN</c> for the rest; <c>***</c> where a secret was.</param>
internal readonly record struct TrafficRecord(DateTimeOffset Time, Direction? Direction, string Text);

/// <summary>Where records go: the <c>--transcript</c> file, the <c>--monitor</c> view.</summary>
internal interface ITrafficSink : IDisposable
{
    void Write(in TrafficRecord record);
}

/// <summary>
/// Turns the bytes a tap sees into redacted, timestamped records (one per line of traffic, a line
/// being cut after each LF, at <see cref="MaxRecordBytes"/>, when the other direction speaks, and
/// after <see cref="IdleCut"/> without a byte) and hands them to its sinks in the order their first
/// bytes passed. Thread safe: the two directions are recorded from different threads.
/// </summary>
internal sealed class TrafficRecorder : IDisposable, IRedactedSink, IByteObserver
{
    /// <summary>Longest record, in bytes of traffic: long payloads are wrapped.</summary>
    public const int MaxRecordBytes = 128;

    /// <summary>A partial line is written once its direction has been quiet this long.</summary>
    public static readonly TimeSpan IdleCut = TimeSpan.FromMilliseconds(50);

    private readonly Lock _gate = new();
    private readonly Redactor _redactor = new();
    private readonly List<ITrafficSink> _sinks;
    private readonly TimeProvider _clock;
    private readonly Pending[] _pending = [new(), new()];
    private readonly ITimer _idle;
    private bool _disposed;

    public TrafficRecorder(IEnumerable<ITrafficSink> sinks, TimeProvider? clock = null)
    {
        _sinks = [.. sinks];
        _clock = clock ?? TimeProvider.System;
        _idle = _clock.CreateTimer(static state => ((TrafficRecorder)state!).IdleElapsed(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Hides <paramref name="secret"/> wherever it appears (a PSK key, a Wi-Fi password; at least 4 bytes).</summary>
    public void AddSecret(string secret)
    {
        lock (_gate)
        {
            _redactor.AddSecret(secret);
        }
    }

    /// <summary>Bytes that just passed <paramref name="direction"/>.</summary>
    public void Record(Direction direction, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            var other = _pending[1 - (int)direction];
            if (other.Bytes > 0)
            {
                Emit(1 - (int)direction);
            }

            _redactor.Feed(direction, bytes, this);
            if (_pending[(int)direction].Bytes > 0)
            {
                _idle.Change(IdleCut, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>Something about the channel, shown between the traffic (a host attached, the rate changed).</summary>
    public void Event(string text)
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            EmitAll();
            Write(new TrafficRecord(_clock.GetUtcNow(), null, text));
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _redactor.Flush(this);
            EmitAll();
            _disposed = true;
            _idle.Dispose();
            foreach (var sink in _sinks)
            {
                sink.Dispose();
            }
        }
    }

    /// <summary>
    /// Ends the recorder after a gap in the bytes it was given (the control API's line events fell
    /// behind): the lines under way are written as they stand, redacted, but bytes held back as the
    /// possible start of a secret are dropped: the rest of that secret is not coming.
    /// </summary>
    public void Abandon()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            EmitAll();
            _disposed = true;
            _idle.Dispose();
            foreach (var sink in _sinks)
            {
                sink.Dispose();
            }
        }
    }

    void IRedactedSink.Byte(Direction direction, byte value)
    {
        var pending = Start(direction);
        TextEscape.Append(pending.Text, value);
        pending.Bytes++;
        if (value == (byte)'\n' || pending.Bytes >= MaxRecordBytes)
        {
            Emit((int)direction);
        }
    }

    void IRedactedSink.Redacted(Direction direction)
    {
        var pending = Start(direction);
        pending.Text.Append(TextEscape.RedactedMarker);
        pending.Bytes++;
    }

    private Pending Start(Direction direction)
    {
        var pending = _pending[(int)direction];
        if (pending.Bytes == 0)
        {
            pending.Time = _clock.GetUtcNow();
        }

        return pending;
    }

    private void IdleElapsed()
    {
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            // Bytes held back as a possible secret stay held: a partial secret is never shown.
            EmitAll();
        }
    }

    private void EmitAll()
    {
        // Oldest first, so the records stay in the order their first bytes passed.
        int first = _pending[0].Bytes > 0 && (_pending[1].Bytes == 0 || _pending[0].Time <= _pending[1].Time) ? 0 : 1;
        Emit(first);
        Emit(1 - first);
    }

    private void Emit(int direction)
    {
        var pending = _pending[direction];
        if (pending.Bytes == 0)
        {
            return;
        }

        var record = new TrafficRecord(pending.Time, (Direction)direction, pending.Text.ToString());
        pending.Text.Clear();
        pending.Bytes = 0;
        Write(record);
    }

    private void Write(in TrafficRecord record)
    {
        foreach (var sink in _sinks)
        {
            try
            {
                sink.Write(record);
            }
            catch (Exception ex) when (ex is IOException or ObjectDisposedException)
            {
                // A full disk or a closed stderr must not take the modem down.
            }
        }
    }

    private sealed class Pending
    {
        public StringBuilder Text { get; } = new();

        public DateTimeOffset Time { get; set; }

        public int Bytes { get; set; }
    }
}

/// <summary>How traffic bytes are shown: readable by a person, unambiguous.</summary>
internal static class TextEscape
{
    /// <summary>Where a secret was. A literal <c>*</c> is shown as <c>\*</c>, so this cannot be traffic.</summary>
    public const string RedactedMarker = "***";

    public static void Append(StringBuilder text, byte b)
    {
        switch (b)
        {
            case (byte)'\r': text.Append("\\r"); break;
            case (byte)'\n': text.Append("\\n"); break;
            case (byte)'\t': text.Append("\\t"); break;
            case (byte)'\\': text.Append("\\\\"); break;
            case (byte)'*': text.Append("\\*"); break;
            case >= 0x20 and < 0x7F: text.Append((char)b); break;
            default: text.Append("\\x").Append(b.ToString("X2", System.Globalization.CultureInfo.InvariantCulture)); break;
        }
    }

    /// <summary>The bytes a record's text stands for (markers become <paramref name="redacted"/>).</summary>
    public static byte[] Unescape(string text, ReadOnlySpan<byte> redacted)
    {
        var bytes = new List<byte>(text.Length);
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '*' && string.CompareOrdinal(text, i, RedactedMarker, 0, RedactedMarker.Length) == 0)
            {
                bytes.AddRange(redacted.ToArray());
                i += RedactedMarker.Length - 1;
                continue;
            }

            if (c != '\\' || i + 1 >= text.Length)
            {
                bytes.Add((byte)c);
                continue;
            }

            char e = text[++i];
            switch (e)
            {
                case 'r': bytes.Add((byte)'\r'); break;
                case 'n': bytes.Add((byte)'\n'); break;
                case 't': bytes.Add((byte)'\t'); break;
                case 'x':
                    bytes.Add(Convert.ToByte(text.Substring(i + 1, 2), 16));
                    i += 2;
                    break;
                default: bytes.Add((byte)e); break;
            }
        }

        return [.. bytes];
    }
}
