using System.Globalization;
using System.Text;
using AtMqtt.Core.Commands;
using AtMqtt.Core.Framing;
using CsCheck;

namespace AtMqtt.Core.Tests.Support;

/// <summary>What the reference framer found: a line (its bytes) or a line over 256 bytes (discarded).</summary>
public readonly record struct Framed(bool Overflow, byte[] Line)
{
    public override string ToString() => Overflow ? "<overflow>" : Fuzz.Show(Line);
}

/// <summary>
/// Generators of hostile host input, the reference model of SPEC section 2's framing, and the
/// size knob: <c>ATMQTT_FUZZ_COUNT</c> (default 20000, the CI run) is how many generated lines go
/// to the live modem and how many samples the pure properties check.
/// </summary>
public static class Fuzz
{
    public const string CountVariable = "ATMQTT_FUZZ_COUNT";
    public const int DefaultCount = 20_000;

    /// <summary>The number of generated inputs for this run.</summary>
    public static long Count =>
        long.TryParse(Environment.GetEnvironmentVariable(CountVariable), NumberStyles.None, CultureInfo.InvariantCulture, out long n) && n > 0
            ? n
            : DefaultCount;

    private static readonly string[] Names =
    [
        .. AtMqtt.Core.Profiles.Profile.AllCommandNames,
        "AT", "AT+", "ATE", "ATE2", "at", "At+MQTTPUB", "AT+mqttpub", "+MQTTPUB", "A", "T", "AT+MQTT", "AT+MQTTPUBX", "AT+CW", "AT++", "AT+_",
    ];

    private static readonly Gen<byte> AnyByte = Gen.Byte.Select(b => b is (byte)'\r' or (byte)'\n' ? (byte)'~' : b);

    private static readonly Gen<byte> Printable = Gen.Byte[32, 126];

    private static readonly Gen<byte> Special = Gen.OneOf("\"\\,=?01 +#/$"u8.ToArray().Append((byte)0).Append((byte)0xFF).Append((byte)0xC3).ToArray());

    private static readonly Gen<byte> ParamByte = Gen.Frequency((5, Printable), (3, Special), (1, AnyByte));

    private static readonly Gen<byte[]> Text = ParamByte.Array[0, 24];

    private static readonly Gen<byte[]> Quoted = Gen.Select(Text, Gen.Int[0, 9], (t, close) => close == 0 ? (byte[])[(byte)'"', .. t] : [(byte)'"', .. t, (byte)'"']);

    private static readonly Gen<byte[]> Number = Gen.Frequency(
        (6, Gen.Int[0, 70_000].Select(i => Encoding.ASCII.GetBytes(i.ToString(CultureInfo.InvariantCulture)))),
        (1, Gen.OneOf("-1", "99999999999999999999", "007", "0x10", " 1", "1 ", "65536", "7201", "3").Select(Encoding.ASCII.GetBytes)));

    private static readonly Gen<byte[]> Param = Gen.Frequency((3, Quoted), (2, Text), (3, Number), (1, Gen.Const(Array.Empty<byte>())));

    private static readonly Gen<byte[]> Params = Param.Array[0, 9].Select(ps => Join((byte)',', ps));

    private static readonly Gen<byte[]> Structured = Gen.Select(
        Gen.OneOf(Names),
        Gen.Frequency((1, Gen.Const("")), (1, Gen.Const("?")), (1, Gen.Const("=?")), (6, Gen.Const("="))),
        Params,
        (name, suffix, ps) => suffix == "=" ? (byte[])[.. Encoding.ASCII.GetBytes(name + "="), .. ps] : Encoding.ASCII.GetBytes(name + suffix));

    /// <summary>Valid commands (S a string, N a number, B 0/1, Q a QoS), so that the deeper paths run too.</summary>
    private static readonly string[] Templates =
    [
        "AT+MQTTUSERCFG=0,1,s,s,s,0,0,s", "AT+MQTTUSERCFG=0,b,s,s,s,0,0,\"\"", "AT+MQTTCONNCFG=0,n,b,s,s,q,b", "AT+MQTTCONNCFG=0,n,b,\"\",\"\"",
        "AT+MQTTSUB=0,s,q", "AT+MQTTUNSUB=0,s", "AT+MQTTPUB=0,s,s,q,b", "AT+MQTTPUB=0,s,s,q,b,n", "AT+MQTTPUBRAW=0,s,n,q,b",
        "AT+MQTTCLEAN=0", "AT+MQTTCONN?", "AT+MQTTSUB?", "AT+MQTTALPN=0,n,s,s", "AT+MQTTSNI=0,s", "AT+SYSLOG=b", "AT+SYSLOG?",
        "AT+CWMODE=q", "AT+CWJAP=s,s", "AT+CWJAP?", "AT+CWQAP", "AT+CWSTATE?", "AT+CWLAP", "AT+CWLAP=s", "AT+CWCOUNTRY=b,s,n,n",
        "AT+CIPSNTPCFG=b,n,s", "AT+CIPSNTPCFG?", "AT+CIPSNTPTIME?", "AT+SYSTIMESTAMP=n", "AT+SYSTIMESTAMP?", "AT+SYSSTORE=b",
        "AT+UART_CUR=115200,8,1,0,0", "AT+UART_CUR?", "AT+GMR", "AT+CMD?", "AT", "ATE0", "AT+CWINIT=b", "AT+CIPSTAMAC?",
    ];

    private static readonly Gen<byte[]> ValidString = Printable.Array[0, 20].Select(t =>
    {
        var all = new List<byte> { (byte)'"' };
        foreach (byte b in t)
        {
            if (b is (byte)'"' or (byte)',' or (byte)'\\')
            {
                all.Add((byte)'\\');
            }

            all.Add(b);
        }

        all.Add((byte)'"');
        return all.ToArray();
    });

    private static readonly Gen<byte[]> Template = Gen.Select(
        Gen.OneOf(Templates),
        Gen.Select(ValidString, Gen.Int[0, 7200], Gen.Int[0, 2]).Array[8, 8],
        Gen.Int[0, 11],
        Param,
        (template, values, mutate, random) =>
        {
            var all = new List<byte>();
            int slot = 0;
            foreach (char c in template)
            {
                if (c is not ('s' or 'n' or 'b' or 'q'))
                {
                    all.Add((byte)c);
                    continue;
                }

                var (str, num, small) = values[slot % values.Length];
                all.AddRange(slot++ == mutate ? random : c switch
                {
                    's' => str,
                    'n' => Encoding.ASCII.GetBytes(num.ToString(CultureInfo.InvariantCulture)),
                    'b' => [(byte)('0' + (small & 1))],
                    _ => [(byte)('0' + small)],
                });
            }

            return all.ToArray();
        });

    /// <summary>One line's content (no CR or LF): mostly command-shaped, some garbage, some too long.</summary>
    public static readonly Gen<byte[]> LineContent = Gen.Frequency(
        (8, Template),
        (12, Structured),
        (2, AnyByte.Array[0, 40]),
        (1, Gen.Select(Gen.OneOf(Names), Printable.Array[240, 270], (n, tail) => (byte[])[.. Encoding.ASCII.GetBytes(n + "="), .. tail])),
        (1, AnyByte.Array[250, 700])).Select(Sanitize);

    /// <summary>CR, LF or CR LF, sometimes doubled (an empty line between).</summary>
    public static readonly Gen<string> Terminator = Gen.Frequency((4, Gen.Const("\r\n")), (2, Gen.Const("\r")), (2, Gen.Const("\n")), (1, Gen.Const("\n\r")), (1, Gen.Const("\r\n\r\n")));

    /// <summary>A batch: lines with their terminators, as one byte stream.</summary>
    public static readonly Gen<(byte[] Content, string Terminator)[]> Batch = Gen.Select(LineContent, Terminator).Array[1, 50];

    /// <summary>
    /// Arbitrary bytes, terminators included, for the framer alone: raw, printable with a terminator
    /// every ten bytes or so, or long runs with a rare terminator (so that overflows happen).
    /// </summary>
    public static readonly Gen<byte[]> RawStream = Gen.Select(Gen.Int[0, 2], Gen.Int[0, 1500], Gen.ULong, (mode, length, seed) =>
    {
        // The bytes come from a seed (splitmix64): CsCheck's per-element generation is slow for long
        // arrays, and a failure still shrinks through the length.
        var result = new byte[length];
        for (int i = 0; i < result.Length; i++)
        {
            seed += 0x9E3779B97F4A7C15UL;
            ulong z = seed;
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            byte b = (byte)(z ^ (z >> 31));
            result[i] = mode switch
            {
                0 => b,
                1 => b % 10 == 0 ? (b % 20 == 0 ? (byte)'\r' : (byte)'\n') : (byte)(32 + (b % 95)),
                _ => b == 0 ? (byte)'\r' : b == 1 ? (byte)'\n' : (byte)'A',
            };
        }

        return result;
    });

    /// <summary>Read sizes to cut a stream into.</summary>
    public static readonly Gen<int[]> Chunks = Gen.Frequency((3, Gen.Int[1, 8]), (2, Gen.Int[1, 300]), (1, Gen.Int[256, 4096])).Array[1, 20];

    /// <summary>The stream the host sends for <paramref name="batch"/>.</summary>
    public static byte[] Bytes((byte[] Content, string Terminator)[] batch)
    {
        var all = new List<byte>();
        foreach (var (content, terminator) in batch)
        {
            all.AddRange(content);
            all.AddRange(Encoding.ASCII.GetBytes(terminator));
        }

        return [.. all];
    }

    /// <summary>
    /// SPEC section 2 as a model: CR, LF or CR LF end a line; the LF right after a CR is not a line;
    /// empty lines are nothing; a line over 256 bytes is an overflow.
    /// </summary>
    public static List<Framed> Frame(ReadOnlySpan<byte> stream)
    {
        var result = new List<Framed>();
        var line = new List<byte>();
        bool overflow = false;
        bool skipLf = false;
        foreach (byte b in stream)
        {
            if (skipLf)
            {
                skipLf = false;
                if (b == (byte)'\n')
                {
                    continue;
                }
            }

            if (b is (byte)'\r' or (byte)'\n')
            {
                skipLf = b == (byte)'\r';
                if (overflow)
                {
                    result.Add(new Framed(true, []));
                }
                else if (line.Count > 0)
                {
                    result.Add(new Framed(false, [.. line]));
                }

                line.Clear();
                overflow = false;
                continue;
            }

            if (overflow)
            {
                continue;
            }

            if (line.Count == LineFramer.MaxLineBytes)
            {
                overflow = true;
                line.Clear();
                continue;
            }

            line.Add(b);
        }

        return result;
    }

    /// <summary>Cuts <paramref name="stream"/> into pieces of the given sizes (cycled).</summary>
    public static IEnumerable<ReadOnlyMemory<byte>> Cut(byte[] stream, int[] sizes)
    {
        int at = 0;
        for (int i = 0; at < stream.Length; i++)
        {
            int n = Math.Min(sizes[i % sizes.Length], stream.Length - at);
            yield return stream.AsMemory(at, n);
            at += n;
        }
    }

    /// <summary>Bytes as readable text: printable ASCII as is, the rest as \xNN.</summary>
    public static string Show(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        foreach (byte b in bytes)
        {
            sb.Append(b switch
            {
                (byte)'\r' => "\\r",
                (byte)'\n' => "\\n",
                (byte)'\\' => "\\\\",
                < 32 or > 126 => $"\\x{b:X2}",
                _ => ((char)b).ToString(),
            });
        }

        return sb.ToString();
    }

    public static string Show((byte[] Content, string Terminator)[] batch) =>
        string.Join(" | ", batch.Select(l => Show(l.Content) + Show(Encoding.ASCII.GetBytes(l.Terminator))));

    /// <summary>
    /// Keeps the stream countable and local: nothing turns echo back on (ATE1, AT+RST, AT+RESTORE),
    /// opens a raw data phase (AT+MQTTLONG...), connects anywhere (AT+MQTTCONN=...), or imitates the
    /// sentinel query (AT+MQTTRXQUEUE?). Every other command is fair game.
    /// </summary>
    private static byte[] Sanitize(byte[] line)
    {
        var text = Encoding.Latin1.GetString(line);
        if (text is "ATE1" or "AT+RST" or "AT+RESTORE" or "AT+MQTTRXQUEUE?")
        {
            return Encoding.ASCII.GetBytes(text + "!");
        }

        text = text.Replace("MQTTCONN=", "MQTTCONN#=", StringComparison.Ordinal).Replace("MQTTLONG", "MQTTL0NG", StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(text);
    }

    private static byte[] Join(byte separator, byte[][] parts)
    {
        var all = new List<byte>();
        for (int i = 0; i < parts.Length; i++)
        {
            if (i > 0)
            {
                all.Add(separator);
            }

            all.AddRange(parts[i]);
        }

        return [.. all];
    }
}
