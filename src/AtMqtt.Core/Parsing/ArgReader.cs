using System.Text;

namespace AtMqtt.Core.Parsing;

/// <summary>
/// Typed, validating access to a command's parameters. Each failing call records the ESP-AT error
/// code of the first failure in <see cref="Error"/>; handlers answer ERROR with it and change nothing.
/// </summary>
public ref struct ArgReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly ReadOnlySpan<byte> _line;
    private readonly ParamList _params;
    private readonly Span<byte> _scratch;
    private int _scratchUsed;

    internal ArgReader(ReadOnlySpan<byte> line, ParamList parameters, Span<byte> scratch)
    {
        _line = line;
        _params = parameters;
        _scratch = scratch;
        _scratchUsed = 0;
        Error = 0;
    }

    /// <summary>The ESP-AT code of the first failure, 0 while everything succeeded.</summary>
    public uint Error { get; private set; }

    public readonly int Count => _params.Count;

    /// <summary>True when parameter <paramref name="index"/> exists and was not left empty.</summary>
    public readonly bool Has(int index) => index < _params.Count && !_params[index].Omitted;

    /// <summary>Whether parameter <paramref name="index"/> was written in quotes (a string where a form has a number).</summary>
    public readonly bool IsQuoted(int index) => index < _params.Count && _params[index].Quoted;

    /// <summary>Checks the number of parameters (trailing optional ones may be left out entirely).</summary>
    public bool Arity(int min, int max)
    {
        if (_params.Count >= min && _params.Count <= max)
        {
            return true;
        }

        return Fail(ErrorCode.ParamCount(_params.Count < min ? min : max, _params.Count));
    }

    /// <summary>A mandatory decimal integer in [min, max].</summary>
    public bool Int(int index, int min, int max, ushort readFailed, ushort valueWrong, out int value)
    {
        value = 0;
        if (!Has(index))
        {
            return Fail(ErrorCode.Mqtt(readFailed));
        }

        return ParseInt(index, min, max, readFailed, valueWrong, out value);
    }

    /// <summary>A mandatory integer of a non-MQTT command: generic parse-fail / invalid-parameter codes.</summary>
    public bool Int(int index, int min, int max, out int value)
    {
        value = 0;
        uint before = Error;
        if (!Has(index) || !ParseInt(index, int.MinValue, int.MaxValue, 0, 0, out value))
        {
            Error = before;
            return Fail(ErrorCode.ParseFail(index));
        }

        return value >= min && value <= max || Fail(ErrorCode.ParamInvalid(index));
    }

    /// <summary>An optional decimal integer: <paramref name="fallback"/> when omitted.</summary>
    public bool OptInt(int index, int min, int max, int fallback, ushort readFailed, ushort valueWrong, out int value)
    {
        if (!Has(index))
        {
            value = fallback;
            return true;
        }

        return ParseInt(index, min, max, readFailed, valueWrong, out value);
    }

    /// <summary>A mandatory string (quoted or bare) of at most <paramref name="maxBytes"/> UTF-8 bytes after unescaping.</summary>
    public bool Str(int index, int maxBytes, ushort readFailed, ushort overlength, out string value)
    {
        value = "";
        if (!TryRaw(index, readFailed, out var bytes))
        {
            return false;
        }

        if (bytes.Length > maxBytes)
        {
            return Fail(ErrorCode.Mqtt(overlength));
        }

        try
        {
            value = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            return Fail(ErrorCode.Mqtt(readFailed));
        }

        return true;
    }

    /// <summary>A mandatory string's raw bytes after unescaping (a payload: any bytes but NUL and the terminators).</summary>
    public bool Bytes(int index, int maxBytes, ushort readFailed, ushort overlength, out byte[] value)
    {
        value = [];
        if (!TryRaw(index, readFailed, out var bytes))
        {
            return false;
        }

        if (bytes.Length > maxBytes)
        {
            return Fail(ErrorCode.Mqtt(overlength));
        }

        value = bytes.ToArray();
        return true;
    }

    /// <summary>
    /// A mandatory string's bytes after unescaping, without allocating: valid until the next command.
    /// </summary>
    public bool Span(int index, int maxBytes, ushort readFailed, ushort overlength, out ReadOnlySpan<byte> value)
    {
        if (!TryRaw(index, readFailed, out value))
        {
            return false;
        }

        return value.Length <= maxBytes || Fail(ErrorCode.Mqtt(overlength));
    }

    /// <summary>Records a failure found by the handler itself (a value the syntax allows but the command does not).</summary>
    public bool Fail(uint code)
    {
        if (Error == 0)
        {
            Error = code;
        }

        return false;
    }

    private bool TryRaw(int index, ushort readFailed, out ReadOnlySpan<byte> bytes)
    {
        bytes = default;
        if (index >= _params.Count)
        {
            return Fail(ErrorCode.Mqtt(readFailed));
        }

        ref readonly var slot = ref _params[index];
        if (slot.Omitted)
        {
            return Fail(ErrorCode.Mqtt(readFailed));
        }

        var raw = _line.Slice(slot.Start, slot.Length);
        if (!slot.Escaped)
        {
            bytes = raw;
            return true;
        }

        // Each unescaped value gets its own part of the scratch buffer, so several stay valid at once;
        // unescaping only shrinks, so a 256-byte line always fits.
        var target = _scratch[_scratchUsed..];
        int n = ParamList.Unescape(raw, target);
        _scratchUsed += n;
        bytes = target[..n];
        return true;
    }

    private bool ParseInt(int index, int min, int max, ushort readFailed, ushort valueWrong, out int value)
    {
        value = 0;
        ref readonly var slot = ref _params[index];
        var raw = _line.Slice(slot.Start, slot.Length);
        if (slot.Quoted || slot.Escaped)
        {
            return Fail(ErrorCode.Mqtt(readFailed));
        }

        long v = 0;
        foreach (byte b in raw)
        {
            if (b < (byte)'0' || b > (byte)'9')
            {
                return Fail(ErrorCode.Mqtt(readFailed));
            }

            // Saturate: any number this long is out of every range anyway.
            v = Math.Min((v * 10) + (b - (byte)'0'), 1L << 40);
        }

        if (v < min || v > max)
        {
            return Fail(ErrorCode.Mqtt(valueWrong));
        }

        value = (int)v;
        return true;
    }
}
