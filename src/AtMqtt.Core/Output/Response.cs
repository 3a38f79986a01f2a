using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace AtMqtt.Core.Output;

/// <summary>How a delimited data phase (<see cref="Modem.BeginDataPhase(int, byte, byte, string, Func{Modem, DataEnd, byte[], ValueTask})"/>) ended.</summary>
public enum DataEnd
{
    /// <summary>The terminator came (Ctrl-Z).</summary>
    Complete,

    /// <summary>The cancel byte came (Esc): the data is abandoned.</summary>
    Cancelled,

    /// <summary>More bytes than the maximum came before any terminator.</summary>
    TooLong,
}

/// <summary>Builds the bytes of one response (SPEC section 2) in a buffer reused for every command.</summary>
public sealed class Response
{
    private static ReadOnlySpan<byte> Crlf => "\r\n"u8;

    private readonly ArrayBufferWriter<byte> _buffer = new(256);

    internal Response(Func<bool> sysLog) => SysLog = sysLog;

    private Func<bool> SysLog { get; }

    /// <summary>Counts each ERROR (the control API's error counter).</summary>
    internal Instrument.CounterSet? Counters { get; init; }

    public ReadOnlyMemory<byte> Written => _buffer.WrittenMemory;

    /// <summary>The code of the last <see cref="Error"/> since <see cref="Reset"/> (0: none), for the host checks.</summary>
    public uint LastError { get; private set; }

    public void Reset()
    {
        _buffer.ResetWrittenCount();
        LastError = 0;
    }

    /// <summary><c>\r\nOK\r\n</c></summary>
    public void Ok() => Raw("\r\nOK\r\n"u8);

    /// <summary><c>\r\nERROR\r\n</c>, preceded by <c>ERR CODE:0x...\r\n</c> when AT+SYSLOG=1.</summary>
    public void Error(uint code)
    {
        LastError = code == 0 ? uint.MaxValue : code;
        Counters?.Error();
        if (SysLog() && code != 0)
        {
            Raw("ERR CODE:0x"u8);
            Span<byte> hex = stackalloc byte[8];
            Utf8Formatter.TryFormat(code, hex, out _, new StandardFormat('x', 8));
            Raw(hex);
            Raw(Crlf);
        }

        Raw("\r\nERROR\r\n"u8);
    }

    /// <summary>
    /// A failure written as a line of its own instead of <c>ERROR</c> (<c>\r\n+CME ERROR: 30\r\n</c>): counted
    /// as an error like <see cref="Error"/>.
    /// </summary>
    public void ErrorLine(string text)
    {
        LastError = uint.MaxValue;
        Counters?.Error();
        Final(text);
    }

    /// <summary>An information line: the text, then CR LF.</summary>
    public void Line(ReadOnlySpan<byte> text)
    {
        Raw(text);
        Raw(Crlf);
    }

    public void Line(string text)
    {
        int max = Encoding.UTF8.GetMaxByteCount(text.Length) + 2;
        var span = _buffer.GetSpan(max);
        int n = Encoding.UTF8.GetBytes(text, span);
        span[n++] = (byte)'\r';
        span[n++] = (byte)'\n';
        _buffer.Advance(n);
    }

    /// <summary>A final result line of its own (the PUBRAW result): <c>\r\n</c>text<c>\r\n</c>.</summary>
    public void Final(string text)
    {
        Raw(Crlf);
        Line(text);
    }

    public void Raw(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);
}
