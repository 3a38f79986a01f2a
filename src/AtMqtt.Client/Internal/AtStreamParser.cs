using System.Buffers.Text;
using System.Text;

namespace AtMqtt.Client.Internal;

/// <summary>What <see cref="AtStreamParser.Next"/> found.</summary>
internal enum AtTokenKind
{
    /// <summary>Nothing complete yet: read more.</summary>
    None,

    /// <summary>A line (without terminator, never empty).</summary>
    Line,

    /// <summary>A whole <c>+MQTTSUBRECV</c> message.</summary>
    Message,

    /// <summary>The <c>&gt;</c> data prompt.</summary>
    Prompt,
}

/// <summary>
/// Cuts the module's byte stream into lines, <c>+MQTTSUBRECV</c> messages and <c>&gt;</c> prompts. Lines end
/// at CR, LF or CR LF (also when the LF comes in a later read); empty lines are skipped. A message's payload
/// is taken by its length, so it may hold any byte, CR and LF included. The prompt is recognised only while
/// one is expected, at the start of a line. Not thread-safe: one reader feeds it and takes its tokens.
/// </summary>
internal sealed class AtStreamParser
{
    /// <summary>A line longer than this with no terminator is given up as garbage (boot noise at the wrong baud rate).</summary>
    public const int MaxLineBytes = 64 * 1024;

    /// <summary>The largest message payload believed; a larger length field means the header is garbage.</summary>
    public const int MaxPayloadBytes = 16 * 1024 * 1024;

    private static ReadOnlySpan<byte> SubRecvPrefix => "+MQTTSUBRECV:"u8;

    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;
    private bool _skipLf;
    private volatile bool _promptExpected;

    /// <summary>Set while a command waits for its <c>&gt;</c> prompt.</summary>
    public bool PromptExpected
    {
        get => _promptExpected;
        set => _promptExpected = value;
    }

    /// <summary>The line found by the last <see cref="Next"/> (valid until the next call that changes the buffer).</summary>
    public ReadOnlySpan<byte> Line => _buffer.AsSpan(_lineStart, _lineLength);

    private int _lineStart;
    private int _lineLength;

    /// <summary>The message found by the last <see cref="Next"/>.</summary>
    public AtMqttMessage? Message { get; private set; }

    /// <summary>Where to read the next bytes into (at least <paramref name="minimum"/> bytes).</summary>
    public Memory<byte> GetWriteBuffer(int minimum = 4096)
    {
        if (_start == _end)
        {
            _start = _end = 0;
        }

        if (_buffer.Length - _end < minimum)
        {
            int live = _end - _start;
            if (_start > 0 && _buffer.Length - live >= minimum)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, live);
            }
            else
            {
                var larger = new byte[Math.Max(_buffer.Length * 2, live + minimum)];
                Buffer.BlockCopy(_buffer, _start, larger, 0, live);
                _buffer = larger;
            }

            _start = 0;
            _end = live;
        }

        return _buffer.AsMemory(_end);
    }

    /// <summary>Records that <paramref name="count"/> bytes were written into the buffer from <see cref="GetWriteBuffer"/>.</summary>
    public void Advance(int count) => _end += count;

    /// <summary>Feeds bytes (for tests and simple callers).</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(GetWriteBuffer(bytes.Length).Span);
        Advance(bytes.Length);
    }

    /// <summary>Finds the next token; <see cref="AtTokenKind.None"/> when more bytes are needed.</summary>
    public AtTokenKind Next()
    {
        Message = null;
        while (_start < _end)
        {
            byte b = _buffer[_start];
            if (_skipLf)
            {
                _skipLf = false;
                if (b == (byte)'\n')
                {
                    _start++;
                    continue;
                }
            }

            if (b is (byte)'\r' or (byte)'\n')
            {
                // An empty line (or the terminator after a message's payload).
                _start++;
                _skipLf = b == (byte)'\r';
                continue;
            }

            if (b == (byte)'>' && _promptExpected)
            {
                _start++;
                _promptExpected = false;
                return AtTokenKind.Prompt;
            }

            var available = _buffer.AsSpan(_start, _end - _start);
            int prefix = Math.Min(available.Length, SubRecvPrefix.Length);
            if (available[..prefix].SequenceEqual(SubRecvPrefix[..prefix]))
            {
                if (prefix < SubRecvPrefix.Length)
                {
                    return AtTokenKind.None;
                }

                switch (TryMessage(available, out var message, out int consumed))
                {
                    case Outcome.NeedMore:
                        return AtTokenKind.None;
                    case Outcome.Found:
                        _start += consumed;
                        Message = message;
                        return AtTokenKind.Message;
                }

                // Not a well-formed message header: an ordinary line.
            }

            int end = available.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                if (available.Length < MaxLineBytes)
                {
                    return AtTokenKind.None;
                }

                end = available.Length;
            }

            _lineStart = _start;
            _lineLength = end;
            _start += end;
            if (_start < _end)
            {
                _skipLf = _buffer[_start] == (byte)'\r';
                _start++;
            }

            return AtTokenKind.Line;
        }

        return AtTokenKind.None;
    }

    private enum Outcome
    {
        NeedMore,
        Found,
        NotAMessage,
    }

    /// <summary><c>+MQTTSUBRECV:&lt;link&gt;,"&lt;topic&gt;",&lt;length&gt;,&lt;payload&gt;</c>; the topic may also be bare.</summary>
    private static Outcome TryMessage(ReadOnlySpan<byte> data, out AtMqttMessage? message, out int consumed)
    {
        message = null;
        consumed = 0;
        int i = SubRecvPrefix.Length;

        // The link ID.
        int digits = CountDigits(data[i..]);
        if (i + digits >= data.Length)
        {
            return Outcome.NeedMore;
        }

        if (digits == 0 || data[i + digits] != (byte)',')
        {
            return Outcome.NotAMessage;
        }

        i += digits + 1;
        if (i >= data.Length)
        {
            return Outcome.NeedMore;
        }

        int topicStart, topicEnd, lengthStart;
        if (data[i] == (byte)'"')
        {
            // The topic is written raw between quotes: it ends at the first '"' followed by ,<digits>,
            topicStart = i + 1;
            int q = topicStart;
            while (true)
            {
                int rel = data[q..].IndexOfAny((byte)'"', (byte)'\r', (byte)'\n');
                if (rel < 0)
                {
                    return Outcome.NeedMore;
                }

                q += rel;
                if (data[q] != (byte)'"')
                {
                    return Outcome.NotAMessage;
                }

                var after = CheckLengthField(data[(q + 1)..]);
                if (after == Outcome.Found)
                {
                    topicEnd = q;
                    lengthStart = q + 2;
                    break;
                }

                if (after == Outcome.NeedMore)
                {
                    return Outcome.NeedMore;
                }

                q++;
            }
        }
        else
        {
            topicStart = i;
            int rel = data[i..].IndexOfAny((byte)',', (byte)'\r', (byte)'\n');
            if (rel < 0)
            {
                return Outcome.NeedMore;
            }

            if (data[i + rel] != (byte)',')
            {
                return Outcome.NotAMessage;
            }

            topicEnd = i + rel;
            lengthStart = topicEnd + 1;
        }

        int lengthDigits = CountDigits(data[lengthStart..]);
        if (lengthStart + lengthDigits >= data.Length)
        {
            return Outcome.NeedMore;
        }

        if (lengthDigits == 0 || lengthDigits > 9 || data[lengthStart + lengthDigits] != (byte)','
            || !Utf8Parser.TryParse(data.Slice(lengthStart, lengthDigits), out int length, out _)
            || length > MaxPayloadBytes)
        {
            return Outcome.NotAMessage;
        }

        int payloadStart = lengthStart + lengthDigits + 1;
        if (data.Length - payloadStart < length)
        {
            return Outcome.NeedMore;
        }

        string topic = Encoding.UTF8.GetString(data[topicStart..topicEnd]);
        message = new AtMqttMessage(topic, data.Slice(payloadStart, length).ToArray(), owned: true);
        consumed = payloadStart + length;
        return Outcome.Found;
    }

    /// <summary>After a closing quote: <c>,&lt;digits&gt;,</c>?</summary>
    private static Outcome CheckLengthField(ReadOnlySpan<byte> data)
    {
        if (data.IsEmpty)
        {
            return Outcome.NeedMore;
        }

        if (data[0] != (byte)',')
        {
            return Outcome.NotAMessage;
        }

        int digits = CountDigits(data[1..]);
        if (1 + digits >= data.Length)
        {
            return Outcome.NeedMore;
        }

        return digits > 0 && data[1 + digits] == (byte)',' ? Outcome.Found : Outcome.NotAMessage;
    }

    private static int CountDigits(ReadOnlySpan<byte> data)
    {
        int n = 0;
        while (n < data.Length && data[n] is >= (byte)'0' and <= (byte)'9')
        {
            n++;
        }

        return n;
    }
}
