using System.Text;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Device;

/// <summary>
/// Parameter helpers for the module commands (system, Wi-Fi, SNTP), with ESP-AT's generic error
/// codes: <c>0x0108000i</c> when parameter i cannot be read, <c>0x0107000i</c> when its value is not
/// allowed (out of range, too long, badly formed).
/// </summary>
internal static class DeviceArgs
{
    /// <summary>ESP_AT_SUB_CMD_EXEC_FAIL without an extension: the command could not be carried out.</summary>
    public const uint ExecFail = 0x010A0000;

    /// <summary>A mandatory string of at most <paramref name="maxBytes"/> UTF-8 bytes.</summary>
    public static bool Text(ref ArgReader a, int index, int maxBytes, out string value)
    {
        // A copy reads the string: its MQTT error code must not become this command's.
        var probe = a;
        if (!probe.Str(index, int.MaxValue, 0, 0, out value))
        {
            return a.Fail(ErrorCode.ParseFail(index));
        }

        return Encoding.UTF8.GetByteCount(value) <= maxBytes || a.Fail(ErrorCode.ParamInvalid(index));
    }

    /// <summary>An optional string: null when omitted.</summary>
    public static bool OptText(ref ArgReader a, int index, int maxBytes, out string? value)
    {
        value = null;
        if (!a.Has(index))
        {
            return true;
        }

        bool ok = Text(ref a, index, maxBytes, out string text);
        value = text;
        return ok;
    }

    /// <summary>An optional integer in [min, max]: <paramref name="fallback"/> when omitted.</summary>
    public static bool OptInt(ref ArgReader a, int index, int min, int max, int fallback, out int value)
    {
        if (!a.Has(index))
        {
            value = fallback;
            return true;
        }

        return a.Int(index, min, max, out value);
    }

    /// <summary>A mandatory integer that may carry a sign (<c>-5</c>, <c>+530</c>), in [min, max].</summary>
    public static bool SignedInt(ref ArgReader a, int index, int min, int max, out int value)
    {
        value = 0;
        var unsigned = a;
        if (unsigned.Int(index, 0, int.MaxValue, out int plain))
        {
            return Range(ref a, index, plain, min, max, out value);
        }

        // Not bare digits: a sign, then bare digits. (ArgReader does not say whether the text was
        // quoted, so a quoted signed number is read too; a quoted unsigned one is not.)
        var probe = a;
        if (!probe.Str(index, 16, 0, 0, out string text) || text.Length < 2 || (text[0] != '-' && text[0] != '+'))
        {
            return a.Fail(ErrorCode.ParseFail(index));
        }

        long magnitude = 0;
        for (int i = 1; i < text.Length; i++)
        {
            char c = text[i];
            if (c < '0' || c > '9')
            {
                return a.Fail(ErrorCode.ParseFail(index));
            }

            magnitude = Math.Min((magnitude * 10) + (c - '0'), 1L << 40);
        }

        long signed = text[0] == '-' ? -magnitude : magnitude;
        return Range(ref a, index, signed, min, max, out value);
    }

    /// <summary>
    /// A mandatory integer in [min, max], written in decimal (a sign allowed) or as <c>0x</c> hexadecimal: AT+SYSFLASH's own example writes a length as
    /// <c>0x1C000</c>, and AT+SYSMFG's values reach 4294967295 (u32).
    /// </summary>
    public static bool Number(ref ArgReader a, int index, long min, long max, out long value)
    {
        value = 0;
        var probe = a;
        if (!probe.Str(index, 24, 0, 0, out string text) || text.Length == 0)
        {
            return a.Fail(ErrorCode.ParseFail(index));
        }

        bool negative = text[0] == '-';
        string digits = negative || text[0] == '+' ? text[1..] : text;
        bool hex = !negative && digits.Length > 2 && digits[0] == '0' && (digits[1] == 'x' || digits[1] == 'X');
        long magnitude = 0;
        foreach (char c in hex ? digits[2..] : digits)
        {
            int d = c is >= '0' and <= '9' ? c - '0'
                : hex && c is >= 'a' and <= 'f' ? c - 'a' + 10
                : hex && c is >= 'A' and <= 'F' ? c - 'A' + 10
                : -1;
            if (d < 0)
            {
                return a.Fail(ErrorCode.ParseFail(index));
            }

            // Saturate: any number this long is out of every range anyway.
            magnitude = Math.Min((magnitude * (hex ? 16 : 10)) + d, 1L << 40);
        }

        if (digits.Length == 0)
        {
            return a.Fail(ErrorCode.ParseFail(index));
        }

        long candidate = negative ? -magnitude : magnitude;
        if (candidate < min || candidate > max)
        {
            return a.Fail(ErrorCode.ParamInvalid(index));
        }

        value = candidate;
        return true;
    }

    /// <summary>A MAC address <c>xx:xx:xx:xx:xx:xx</c> (hex, either case), normalised to lower case.</summary>
    public static bool TryParseMac(string text, out string normalized)
    {
        normalized = "";
        if (text.Length != 17)
        {
            return false;
        }

        for (int i = 0; i < 17; i++)
        {
            char c = text[i];
            bool ok = i % 3 == 2 ? c == ':' : char.IsAsciiHexDigit(c);
            if (!ok)
            {
                return false;
            }
        }

        normalized = text.ToLowerInvariant();
        return true;
    }

    private static bool Range(ref ArgReader a, int index, long candidate, int min, int max, out int value)
    {
        value = 0;
        if (candidate < min || candidate > max)
        {
            return a.Fail(ErrorCode.ParamInvalid(index));
        }

        value = (int)candidate;
        return true;
    }
}
