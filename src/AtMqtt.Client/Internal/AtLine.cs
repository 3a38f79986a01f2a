using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Unicode;

namespace AtMqtt.Client.Internal;

/// <summary>
/// Builds one AT command line (without its terminator): <c>AT+NAME=</c> then parameters separated by
/// commas, strings quoted with <c>\"</c>, <c>\,</c> and <c>\\</c> escaped as ESP-AT expects. Knows which of its
/// parameters are secrets, so that <see cref="ToLogText"/> can hide them.
/// </summary>
internal sealed class AtLine
{
    /// <summary>The longest command line a module takes (terminator not counted).</summary>
    public const int MaxBytes = 256;

    /// <summary>What a secret is replaced with in logs.</summary>
    public const string Redacted = "***";

    /// <summary>
    /// Commands an application may send whole (<see cref="Raw"/>) whose parameters hold secrets, by 0-based
    /// parameter index; an empty list hides every quoted (string) parameter.
    /// </summary>
    private static readonly Dictionary<string, int[]> RawSecrets = new(StringComparer.Ordinal)
    {
        ["AT+MQTTUSERCFG"] = [4], // <LinkID>,<scheme>,<"client_id">,<"username">,<"password">,...
        ["AT+MQTTPASSWORD"] = [1], // ESP-AT v2.x: <LinkID>,<"password">
        ["AT+CWJAP"] = [1], // <"ssid">,<"pwd">,...
        ["AT+CWJAP_CUR"] = [1], // ESP8266 NonOS-era names of the same
        ["AT+CWJAP_DEF"] = [1],
        ["AT+CWSAP"] = [1], // the soft-AP's <"ssid">,<"pwd">,...
        ["AT+CWSAP_CUR"] = [1],
        ["AT+CWSAP_DEF"] = [1],
        ["AT+CWJEAP"] = [4], // <"ssid">,<method>,<"identity">,<"username">,<"password">,...
        ["AT+CIPSSLCPSK"] = [], // [<link ID>,]<"psk">,<"hint">: the TLS pre-shared key (and its hint)
        ["AT+QICSGP"] = [4], // Quectel: <cid>,<type>,<"apn">,<"user">,<"pwd">,<auth>
        ["AT+QMTCONN"] = [3], // Quectel: <idx>,<"clientid">,<"user">,<"pwd">
        ["AT+CMQTTCONNECT"] = [5], // SIMCom: <idx>,<"server">,<keepalive>,<clean>,<"user">,<"pwd">
    };

    private readonly ArrayBufferWriter<byte> _buffer = new(128);
    private readonly List<Range> _secretRanges = [];
    private readonly List<byte[]> _secrets = [];
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

    /// <summary>A line given whole by the application (already escaped); the parameters of <see cref="RawSecrets"/> are marked secret.</summary>
    public static AtLine Raw(string text)
    {
        int end = text.AsSpan().IndexOfAny('=', '?');
        var line = new AtLine(end < 0 ? text : text[..end], Encoding.UTF8.GetBytes(text));
        if (end >= 0 && text[end] == '=' && RawSecrets.TryGetValue(line.Name, out int[]? secret))
        {
            line.MarkRawSecrets(Encoding.UTF8.GetByteCount(text.AsSpan(0, end + 1)), secret);
        }

        return line;
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
        WriteQuoted(value);
        return this;
    }

    /// <summary>A quoted parameter that is a secret (a password): hidden by <see cref="ToLogText"/>.</summary>
    public AtLine Secret(ReadOnlySpan<byte> value)
    {
        if (value.IsEmpty)
        {
            return Quoted(value); // nothing to hide
        }

        Separator();
        int start = _buffer.WrittenCount;
        WriteQuoted(value);
        _secretRanges.Add(start.._buffer.WrittenCount);
        _secrets.Add(value.ToArray());
        return this;
    }

    /// <summary>A secret sent with this command outside the line (the data of <c>AT+MQTTLONGPASSWORD</c>).</summary>
    public AtLine SecretData(ReadOnlySpan<byte> value)
    {
        if (!value.IsEmpty)
        {
            _secrets.Add(value.ToArray());
        }

        return this;
    }

    /// <summary>The secrets this command carries, unescaped, so that a module's echo of them can be hidden too.</summary>
    public IReadOnlyList<byte[]> Secrets => _secrets;

    /// <summary>The line for a log: printable, every secret parameter replaced by <c>"***"</c>.</summary>
    public string ToLogText()
    {
        if (_secretRanges.Count == 0)
        {
            return Printable(Span);
        }

        var text = new StringBuilder();
        int at = 0;
        foreach (var range in _secretRanges)
        {
            var (start, length) = range.GetOffsetAndLength(Length);
            text.Append(Printable(Span[at..start]));
            bool quoted = Span[start] == (byte)'"';
            text.Append(quoted ? "\"" + Redacted + "\"" : Redacted);
            at = start + length;
        }

        return text.Append(Printable(Span[at..])).ToString();
    }

    /// <summary>
    /// Bytes as text for a log: UTF-8 decoded, control characters and bytes that are not UTF-8 as
    /// <c>\xNN</c>, so that boot noise and binary data stay on one readable line.
    /// </summary>
    public static string Printable(ReadOnlySpan<byte> bytes)
    {
        var text = new StringBuilder(bytes.Length);
        while (!bytes.IsEmpty)
        {
            if (Rune.DecodeFromUtf8(bytes, out var rune, out int used) != OperationStatus.Done)
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{bytes[0]:X2}");
                used = 1;
            }
            else if (rune.Value < 0x20 || rune.Value == 0x7F)
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{rune.Value:X2}");
            }
            else
            {
                text.Append(rune.ToString());
            }

            bytes = bytes[used..];
        }

        return text.ToString();
    }

    /// <summary>
    /// <paramref name="line"/> for a log, with every occurrence of a <paramref name="secrets"/> value replaced by
    /// <c>***</c> (a module that echoes or prints back what it was sent).
    /// </summary>
    public static string Scrub(ReadOnlySpan<byte> line, IReadOnlyList<byte[]> secrets)
    {
        if (secrets.Count == 0)
        {
            return Printable(line);
        }

        byte[] text = line.ToArray();
        foreach (byte[] secret in secrets.Where(v => v.Length > 0))
        {
            // Left to right, never looking into a replacement (a secret may itself be "***").
            var scrubbed = new ArrayBufferWriter<byte>(text.Length);
            var rest = text.AsSpan();
            int at;
            while ((at = rest.IndexOf(secret)) >= 0)
            {
                scrubbed.Write(rest[..at]);
                scrubbed.Write("***"u8);
                rest = rest[(at + secret.Length)..];
            }

            scrubbed.Write(rest);
            text = scrubbed.WrittenSpan.ToArray();
        }

        return Printable(text);
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

    /// <summary>Marks parameters of a whole line (after <paramref name="from"/>) as secret, by index; none given: every quoted one.</summary>
    private void MarkRawSecrets(int from, int[] indexes)
    {
        var span = Span;
        int index = 0;
        int start = from;
        bool quoted = false;
        for (int i = from; i <= span.Length; i++)
        {
            if (i + 1 < span.Length && span[i] == (byte)'\\' && quoted)
            {
                i++; // an escaped character, whatever it is
                continue;
            }

            if (i < span.Length && span[i] == (byte)'"')
            {
                quoted = !quoted;
                continue;
            }

            if (i == span.Length || (span[i] == (byte)',' && !quoted))
            {
                if (i > start && (indexes.Length == 0 ? span[start] == (byte)'"' : Array.IndexOf(indexes, index) >= 0))
                {
                    _secretRanges.Add(start..i);
                    if (Unquote(span[start..i]) is { Length: > 0 } value)
                    {
                        _secrets.Add(value);
                    }
                }

                index++;
                start = i + 1;
            }
        }
    }

    /// <summary>A parameter as the module reads it: quotes removed, a backslash standing for the character after it.</summary>
    private static byte[] Unquote(ReadOnlySpan<byte> parameter)
    {
        if (parameter.Length >= 2 && parameter[0] == (byte)'"' && parameter[^1] == (byte)'"')
        {
            parameter = parameter[1..^1];
        }

        var value = new List<byte>(parameter.Length);
        for (int i = 0; i < parameter.Length; i++)
        {
            if (parameter[i] == (byte)'\\' && i + 1 < parameter.Length)
            {
                i++;
            }

            value.Add(parameter[i]);
        }

        return [.. value];
    }

    private void WriteQuoted(ReadOnlySpan<byte> value)
    {
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
    }

    private void Separator() => Byte(_parameters++ == 0 ? (byte)'=' : (byte)',');

    private void Byte(byte b)
    {
        _buffer.GetSpan(1)[0] = b;
        _buffer.Advance(1);
    }

    private void Write(ReadOnlySpan<byte> bytes) => _buffer.Write(bytes);
}
