using System.Buffers;

namespace AtMqtt.Core.Framing;

/// <summary>What <see cref="LineFramer.Next"/> found.</summary>
public enum FrameKind : byte
{
    /// <summary>The input ran out before a terminator.</summary>
    NeedMore,
    /// <summary>A command line is in <see cref="LineFramer.Line"/>.</summary>
    Line,
    /// <summary>A line longer than <see cref="LineFramer.MaxLineBytes"/> ended; it was discarded.</summary>
    Overflow,
}

/// <summary>
/// Cuts command lines out of the host's byte stream (SPEC section 2): CR, LF or CR LF end a line, the
/// LF of a CR LF pair is not an empty line, empty lines are skipped, and a line over the limit (256 bytes
/// unless the profile says otherwise: <see cref="Profiles.Profile.MaxLineBytes"/>) is discarded up to its
/// terminator without ever holding more than the limit.
/// </summary>
public sealed class LineFramer
{
    /// <summary>The default limit: ESP-AT's "no more than 256 bytes" (and the seed's).</summary>
    public const int MaxLineBytes = 256;

    // The line plus its terminator, so the echo is one contiguous span.
    private readonly byte[] _line;
    private readonly int _limit;
    private int _length;
    private int _terminatorLength;
    private bool _overflow;
    private int _discardedStart;
    private bool _skipLf;

    /// <summary>A framer for lines of at most <paramref name="limit"/> bytes (without the terminator).</summary>
    public LineFramer(int limit = MaxLineBytes)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        _limit = limit;
        _line = new byte[limit + 2];
    }

    /// <summary>The longest line kept, in bytes without the terminator.</summary>
    public int Limit => _limit;

    /// <summary>The last line framed, without its terminator.</summary>
    public ReadOnlySpan<byte> Line => _line.AsSpan(0, _length);

    /// <summary>After <see cref="FrameKind.Overflow"/>: the first <see cref="Limit"/> bytes of the discarded line.</summary>
    public ReadOnlySpan<byte> DiscardedStart => _line.AsSpan(0, _discardedStart);

    /// <summary>The last line framed with its terminator, as received (the echo).</summary>
    public ReadOnlyMemory<byte> LineWithTerminator => _line.AsMemory(0, _length + _terminatorLength);

    /// <summary>
    /// Drops the LF of a CR LF pair whose CR ended the previous read, before a data phase takes the
    /// bytes raw (on a pty or a UART the LF often arrives on its own).
    /// </summary>
    public void SkipPendingLf(ref ReadOnlySequence<byte> buffer)
    {
        if (_skipLf && !buffer.IsEmpty)
        {
            _skipLf = false;
            if (buffer.FirstSpan[0] == (byte)'\n')
            {
                buffer = buffer.Slice(1);
            }
        }
    }

    /// <summary>Forgets a partial line (a new host, a reset).</summary>
    public void Reset()
    {
        _length = 0;
        _terminatorLength = 0;
        _overflow = false;
        _skipLf = false;
    }

    /// <summary>Consumes bytes from <paramref name="buffer"/> until a line ends or the input runs out.</summary>
    public FrameKind Next(ref ReadOnlySequence<byte> buffer)
    {
        var reader = new SequenceReader<byte>(buffer);
        var kind = Scan(ref reader);
        buffer = buffer.Slice(reader.Position);
        return kind;
    }

    private FrameKind Scan(ref SequenceReader<byte> reader)
    {
        if (_terminatorLength != 0)
        {
            // The previous line was handed out; start a new one.
            _length = 0;
            _terminatorLength = 0;
        }

        while (!reader.End)
        {
            if (_skipLf)
            {
                _skipLf = false;
                if (reader.IsNext((byte)'\n', advancePast: true))
                {
                    continue;
                }
            }

            var span = reader.UnreadSpan;
            int i = span.IndexOfAny((byte)'\r', (byte)'\n');
            if (i < 0)
            {
                Append(span);
                reader.Advance(span.Length);
                continue;
            }

            Append(span[..i]);
            byte terminator = span[i];
            reader.Advance(i + 1);
            int terminatorLength = 1;
            _line[_length] = terminator;
            if (terminator == (byte)'\r')
            {
                if (reader.End)
                {
                    _skipLf = true;
                }
                else if (reader.IsNext((byte)'\n', advancePast: true))
                {
                    _line[_length + 1] = (byte)'\n';
                    terminatorLength = 2;
                }
            }

            if (_overflow)
            {
                _overflow = false;
                _discardedStart = _length;
                _length = 0;
                return FrameKind.Overflow;
            }

            if (_length == 0)
            {
                continue;
            }

            _terminatorLength = terminatorLength;
            return FrameKind.Line;
        }

        return FrameKind.NeedMore;
    }

    private void Append(ReadOnlySpan<byte> bytes)
    {
        if (_overflow || bytes.IsEmpty)
        {
            return;
        }

        if (_length + bytes.Length > _limit)
        {
            // The start of the line stays readable (DiscardedStart) for the host checks.
            bytes[..(_limit - _length)].CopyTo(_line.AsSpan(_length));
            _length = _limit;
            _overflow = true;
            return;
        }

        bytes.CopyTo(_line.AsSpan(_length));
        _length += bytes.Length;
    }
}
