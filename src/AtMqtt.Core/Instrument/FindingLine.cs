using System.Text;

namespace AtMqtt.Core.Instrument;

/// <summary>
/// The offending line of a <see cref="Finding"/> as it may be shown: secrets hidden, control bytes
/// made visible, shortened. Errs on the side of hiding: from the password parameter of
/// AT+MQTTUSERCFG (5th), AT+MQTTPASSWORD or AT+CWJAP (2nd), AT+QICSGP (5th), AT+QMTCONN (4th), AT+CMQTTCONNECT (6th) to the end of the line, any configured secret wherever it
/// appears, and the whole line when the host may have meant it as a LONGPASSWORD payload.
/// </summary>
public static class FindingLine
{
    /// <summary>Longer shown lines are cut, with <c>...</c> at the end.</summary>
    public const int MaxChars = 80;

    /// <summary>What replaces a hidden stretch.</summary>
    public const string Hidden = "<redacted>";

    private static readonly (string Prefix, int SecretParam)[] Rules =
    [
        ("AT+MQTTUSERCFG=", 4),
        ("AT+MQTTPASSWORD=", 1),
        ("AT+CWJAP=", 1),
        ("AT+CWJAP_CUR=", 1),
        ("AT+CWJAP_DEF=", 1),
        ("AT+QICSGP=", 4),
        ("AT+QMTCONN=", 3),
        ("AT+CMQTTCONNECT=", 5),
    ];

    /// <summary>The line shown for <paramref name="line"/> (without its terminator).</summary>
    public static string Show(ReadOnlySpan<byte> line, IReadOnlyList<string> secrets)
    {
        var text = new StringBuilder(Math.Min(line.Length, 300));
        foreach (byte b in line)
        {
            if (b is >= 0x20 and < 0x7F)
            {
                text.Append((char)b);
            }
            else
            {
                text.Append(b switch { (byte)'\r' => "\\r", (byte)'\n' => "\\n", _ => $"\\x{b:X2}" });
            }
        }

        string shown = text.ToString();
        foreach (var (prefix, index) in Rules)
        {
            if (shown.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
            {
                // A quote out of place (the very mistake a finding may be about) moves the boundaries
                // the parser sees: hide from the earlier of the two readings.
                int quoteAware = ParameterStart(shown, prefix.Length, index, quotes: true);
                int naive = ParameterStart(shown, prefix.Length, index, quotes: false);
                int at = quoteAware < 0 ? naive : naive < 0 ? quoteAware : Math.Min(quoteAware, naive);
                if (at >= 0)
                {
                    shown = shown[..at] + Hidden;
                }

                break;
            }
        }

        foreach (string secret in secrets)
        {
            shown = shown.Replace(secret, Hidden, StringComparison.Ordinal);
        }

        return shown.Length <= MaxChars ? shown : shown[..(MaxChars - 3)] + "...";
    }

    /// <summary>Where parameter <paramref name="index"/> starts (commas outside quotes separate; a backslash escapes); -1 if there is none.</summary>
    private static int ParameterStart(string text, int from, int index, bool quotes)
    {
        bool quoted = false;
        int seen = 0;
        if (index == 0)
        {
            return from;
        }

        for (int i = from; i < text.Length; i++)
        {
            char c = text[i];
            if (c == '\\')
            {
                i++;
            }
            else if (c == '"' && quotes)
            {
                quoted = !quoted;
            }
            else if (c == ',' && !quoted && ++seen == index)
            {
                return i + 1;
            }
        }

        return -1;
    }
}
