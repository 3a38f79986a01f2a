namespace AtMqtt.Core.Parsing;

/// <summary>The four ESP-AT command types.</summary>
public enum CommandKind : byte
{
    /// <summary><c>AT+NAME</c></summary>
    Execute,
    /// <summary><c>AT+NAME?</c></summary>
    Query,
    /// <summary><c>AT+NAME=...</c></summary>
    Set,
    /// <summary><c>AT+NAME=?</c></summary>
    Test,
}

/// <summary>Splits a command line into name, kind and the parameter text; no allocation.</summary>
public static class CommandLine
{
    /// <summary>
    /// Parses <paramref name="line"/> (terminator removed). The name is everything after "AT" up to
    /// '=', '?' or the end: "" for plain AT, "E0" for ATE0, "+MQTTPUB" for AT+MQTTPUB.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out Range name, out CommandKind kind, out Range parameters)
    {
        name = default;
        parameters = default;
        kind = CommandKind.Execute;
        if (line.Length < 2 || line[0] != (byte)'A' || line[1] != (byte)'T')
        {
            return false;
        }

        int i = 2;
        while (i < line.Length && IsNameByte(line[i]))
        {
            i++;
        }

        name = 2..i;
        if (i == line.Length)
        {
            return true;
        }

        if (line[i] == (byte)'?' && i + 1 == line.Length)
        {
            kind = CommandKind.Query;
            return true;
        }

        if (line[i] == (byte)'=')
        {
            if (i + 2 == line.Length && line[i + 1] == (byte)'?')
            {
                kind = CommandKind.Test;
                return true;
            }

            kind = CommandKind.Set;
            parameters = (i + 1)..line.Length;
            return true;
        }

        return false;
    }

    private static bool IsNameByte(byte b) =>
        (b >= (byte)'A' && b <= (byte)'Z') || (b >= (byte)'0' && b <= (byte)'9') || b == (byte)'+' || b == (byte)'_';
}
