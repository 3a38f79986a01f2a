namespace AtMqtt.Core.Parsing;

/// <summary>
/// The parameters of one set command as offsets into the line (SPEC section 3): quoted or bare,
/// with <c>\"</c>, <c>\,</c>, <c>\\</c> (and backslash-anything) resolved on demand. Reused per modem.
/// </summary>
public sealed class ParamList
{
    /// <summary>More parameters than any command takes; beyond it the line is an error.</summary>
    public const int MaxParams = 16;

    private readonly Slot[] _slots = new Slot[MaxParams];

    public int Count { get; private set; }

    internal ref readonly Slot this[int index] => ref _slots[index];

    internal readonly struct Slot(int start, int length, bool quoted, bool escaped)
    {
        public readonly int Start = start;
        public readonly int Length = length;
        public readonly bool Quoted = quoted;
        public readonly bool Escaped = escaped;

        public bool Omitted => !Quoted && Length == 0;
    }

    /// <summary>No parameters (execute, query and test commands).</summary>
    public void Clear() => Count = 0;

    /// <summary>
    /// Splits <paramref name="text"/> at commas outside quotes. Returns false with the 0-based index of
    /// the offending parameter for an unterminated quote, text after a closing quote, a quote inside a
    /// bare value, a trailing lone backslash, or too many parameters.
    /// </summary>
    public bool Parse(ReadOnlySpan<byte> text, int offset, out int badIndex)
    {
        Count = 0;
        badIndex = 0;
        int i = 0;
        while (true)
        {
            if (Count == MaxParams)
            {
                badIndex = Count;
                return false;
            }

            int index = Count;
            bool escaped = false;
            if (i < text.Length && text[i] == (byte)'"')
            {
                int start = ++i;
                while (i < text.Length && text[i] != (byte)'"')
                {
                    if (text[i] == (byte)'\\')
                    {
                        escaped = true;
                        i++;
                    }

                    i++;
                }

                if (i >= text.Length)
                {
                    badIndex = index;
                    return false;
                }

                _slots[Count++] = new Slot(offset + start, i - start, quoted: true, escaped);
                i++; // closing quote
                if (i == text.Length)
                {
                    return true;
                }

                if (text[i] != (byte)',')
                {
                    badIndex = index;
                    return false;
                }

                i++;
                continue;
            }

            int bareStart = i;
            while (i < text.Length && text[i] != (byte)',')
            {
                byte b = text[i];
                if (b == (byte)'"')
                {
                    badIndex = index;
                    return false;
                }

                if (b == (byte)'\\')
                {
                    escaped = true;
                    if (++i == text.Length)
                    {
                        badIndex = index;
                        return false;
                    }
                }

                i++;
            }

            _slots[Count++] = new Slot(offset + bareStart, i - bareStart, quoted: false, escaped);
            if (i == text.Length)
            {
                return true;
            }

            i++; // comma: another parameter follows, possibly empty
        }
    }

    /// <summary>Copies the unescaped value of a slot into <paramref name="destination"/>; returns its length.</summary>
    internal static int Unescape(ReadOnlySpan<byte> raw, Span<byte> destination)
    {
        int n = 0;
        for (int i = 0; i < raw.Length; i++)
        {
            byte b = raw[i];
            if (b == (byte)'\\' && i + 1 < raw.Length)
            {
                b = raw[++i];
            }

            destination[n++] = b;
        }

        return n;
    }
}
