using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace AtMqtt.Client.Internal;

/// <summary>
/// Builds one AT command line (without its terminator): <c>AT+NAME=</c> then parameters separated by
/// commas, strings quoted with <c>\"</c>, <c>\,</c> and <c>\\</c> escaped as ESP-AT expects.
/// </summary>
internal sealed class AtLine
{
    /// <summary>The longest command line a module takes (terminator not counted).</summary>
    public const int MaxBytes = 256;

    private readonly ArrayBufferWriter<byte> _buffer = new(128);
    private int _parameters;

    public AtLine(string name)
    {
        Name = name;
        Write(Encoding.ASCII.GetBytes(name));
    }

    private AtLine(string name, ReadOnlySpan<byte> whole)
    {
        Name = name;
        Write(whole);
    }

    /// <summary>A line given whole by the application (already escaped).</summary>
    public static AtLine Raw(string text)
    {
        int end = text.AsSpan().IndexOfAny('=', '?');
        return new AtLine(end < 0 ? text : text[..end], Encoding.UTF8.GetBytes(text));
    }

    /// <summary>The command's name, for messages (parameters may be secret).</summary>
    public string Name { get; }

    public int Length => _buffer.WrittenCount;

    public ReadOnlySpan<byte> Span => _buffer.WrittenSpan;

    public AtLine Int(long value)
    {
        Separator();
        Write(Encoding.ASCII.GetBytes(value.ToString(CultureInfo.InvariantCulture)));
        return this;
    }

    public AtLine Quoted(string value) => Quoted(Encoding.UTF8.GetBytes(value));

    public AtLine Quoted(ReadOnlySpan<byte> value)
    {
        Separator();
        Byte((byte)'"');
        foreach (byte b in value)
        {
            if (b is (byte)'"' or (byte)',' or (byte)'\\')
            {
                Byte((byte)'\\');
            }

            Byte(b);
        }

        Byte((byte)'"');
        return this;
    }

    /// <summary>The bytes to send: the line and CR LF.</summary>
    public byte[] ToWire()
    {
        var bytes = new byte[_buffer.WrittenCount + 2];
        _buffer.WrittenSpan.CopyTo(bytes);
        bytes[^2] = (byte)'\r';
        bytes[^1] = (byte)'\n';
        return bytes;
    }

    /// <summary>Bytes a quoted value takes in a line, quotes and escapes included.</summary>
    public static int QuotedLength(ReadOnlySpan<byte> value)
    {
        int n = 2 + value.Length;
        foreach (byte b in value)
        {
            if (b is (byte)'"' or (byte)',' or (byte)'\\')
            {
                n++;
            }
        }

        return n;
    }

    /// <summary>True if <paramref name="value"/> can stand in a command line at all (no CR, LF or NUL).</summary>
    public static bool FitsInLine(ReadOnlySpan<byte> value) => value.IndexOfAny((byte)'\r', (byte)'\n', (byte)0) < 0;

    /// <summary>True if a payload is plain text that <c>AT+MQTTPUB</c> carries safely: valid UTF-8, no control characters.</summary>
    public static bool IsPlainText(ReadOnlySpan<byte> value)
    {
        if (!Utf8.IsValid(value))
        {
            return false;
        }

        foreach (byte b in value)
        {
            if (b < 0x20 || b == 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    private void Separator() => Byte(_parameters++ == 0 ? (byte)'=' : (byte)',');

    private void Byte(byte b)
    {
        _buffer.GetSpan(1)[0] = b;
        _buffer.Advance(1);
    }

    private void Write(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);
}
