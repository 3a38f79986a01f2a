using System.Globalization;
using System.Text;

namespace AtMqtt.EndToEnd.Tests.Reliability.Support;

/// <summary>One thing the host read: a received message, or any other line (without its CR LF).</summary>
public sealed record HostItem(string? Topic, string? Payload, string? Line)
{
    public bool IsMessage => Topic is not null;

    public override string ToString() => IsMessage ? $"SUBRECV[{Topic}] {Payload!.Length} bytes" : $"line \"{Line}\"";
}

/// <summary>
/// Splits what the modem writes (Latin-1, one char a byte) into <c>+MQTTSUBRECV</c> messages, read
/// by their byte length so that any payload is safe, and other lines. A message or line cut short
/// at the end stays pending until more arrives.
/// </summary>
public sealed class HostStream
{
    private const string SubRecv = "+MQTTSUBRECV:0,\"";
    private readonly StringBuilder _rest = new();

    /// <summary>Bytes received but not yet part of a whole item.</summary>
    public string Pending => _rest.ToString();

    /// <summary>Adds received text and returns every whole item it completes.</summary>
    public List<HostItem> Feed(string text)
    {
        _rest.Append(text);
        var items = new List<HostItem>();
        string s = _rest.ToString();
        int at = 0;
        while (at < s.Length)
        {
            if (string.CompareOrdinal(s, at, SubRecv, 0, Math.Min(SubRecv.Length, s.Length - at)) == 0 && s.Length - at < SubRecv.Length)
            {
                break; // a prefix of a message header: wait for more
            }

            if (string.CompareOrdinal(s, at, SubRecv, 0, SubRecv.Length) == 0)
            {
                int topicStart = at + SubRecv.Length;
                int topicEnd = s.IndexOf("\",", topicStart, StringComparison.Ordinal);
                if (topicEnd < 0)
                {
                    break;
                }

                int comma = s.IndexOf(',', topicEnd + 2);
                if (comma < 0)
                {
                    break;
                }

                int length = int.Parse(s.AsSpan(topicEnd + 2, comma - topicEnd - 2), NumberStyles.None, CultureInfo.InvariantCulture);
                int end = comma + 1 + length;
                if (s.Length < end + 2)
                {
                    break;
                }

                if (s[end] != '\r' || s[end + 1] != '\n')
                {
                    throw new FormatException($"+MQTTSUBRECV of {length} bytes not followed by CR LF at offset {end}: \"{s.Substring(at, Math.Min(200, s.Length - at))}\"");
                }

                items.Add(new HostItem(s[topicStart..topicEnd], s.Substring(comma + 1, length), null));
                at = end + 2;
                continue;
            }

            int crlf = s.IndexOf("\r\n", at, StringComparison.Ordinal);
            if (crlf < 0)
            {
                break;
            }

            items.Add(new HostItem(null, null, s[at..crlf]));
            at = crlf + 2;
        }

        _rest.Remove(0, at);
        return items;
    }
}
