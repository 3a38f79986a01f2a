using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;

namespace AtMqtt.Testing;

/// <summary>One thing the host read: a received message, or any other line (without its CR LF).</summary>
/// <param name="Topic">The message's topic (null for a line).</param>
/// <param name="Payload">The message's payload, one Latin-1 char a byte (null for a line).</param>
/// <param name="Line">The line (null for a message).</param>
public sealed record HostItem(string? Topic, string? Payload, string? Line)
{
    /// <summary>True for a received message.</summary>
    public bool IsMessage => Topic is not null;

    /// <summary>The message's topic and size, or the line.</summary>
    public override string ToString() => IsMessage ? $"SUBRECV[{Topic}] {Payload!.Length} bytes" : $"line \"{Line}\"";
}

/// <summary>The answer to <c>AT+MQTTRXQUEUE?</c>.</summary>
/// <param name="Queued">QoS 0 messages waiting for the host.</param>
/// <param name="Limit">The bound (<c>--rx-queue</c>).</param>
/// <param name="Dropped">QoS 0 messages dropped because the queue was full, since start.</param>
/// <param name="TooLarge">Messages over <c>--max-message-bytes</c> whose connection was closed, since start.</param>
public sealed partial record RxQueueStatus(int Queued, int Limit, long Dropped, long TooLarge)
{
    /// <summary>The query that gets this answer.</summary>
    public const string Query = "AT+MQTTRXQUEUE?";

    /// <summary>Finds the <c>+MQTTRXQUEUE:</c> line in <paramref name="text"/>; fails the test if there is none.</summary>
    public static RxQueueStatus Parse(string text)
    {
        var m = Answer().Match(text);
        Assert.True(m.Success, $"No {Query} answer in \"{AtHost.Escape(text)}\"");
        return new RxQueueStatus(
            int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture),
            int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture),
            long.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture),
            long.Parse(m.Groups[4].Value, CultureInfo.InvariantCulture));
    }

    [GeneratedRegex(@"\+MQTTRXQUEUE:0,(\d+),(\d+),(\d+),(\d+)\r\n")]
    private static partial Regex Answer();
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

    /// <summary>
    /// Reads everything the modem holds for <paramref name="host"/> through the message on
    /// <paramref name="markerTopic"/> (a QoS 1 message published after all the others, never dropped: once
    /// it is read, every earlier message has reached the modem and been written or dropped), then asks
    /// <c>AT+MQTTRXQUEUE?</c> (echo on). Returns the messages before the marker, in order, and the answer;
    /// fails if a message comes after the marker or the answer takes longer than <paramref name="timeout"/>.
    /// </summary>
    public static async Task<(List<HostItem> Messages, RxQueueStatus Status)> ReadThroughMarkerAsync(AtHost host, string markerTopic, TimeSpan timeout)
    {
        var stream = new HostStream();
        var messages = new List<HostItem>();
        bool marker = false;
        bool asked = false;
        string lines = "";
        var watch = Stopwatch.StartNew();
        while (!lines.Contains("\r\nOK\r\n", StringComparison.Ordinal))
        {
            Assert.True(watch.Elapsed < timeout, $"Read {messages.Count} messages, marker: {marker}; lines: \"{AtHost.Escape(lines)}\"; pending \"{AtHost.Escape(stream.Pending)}\"");
            if (marker && !asked)
            {
                await host.SendAsync(RxQueueStatus.Query + "\r\n");
                asked = true;
            }

            await host.WaitForDataAsync(0, TimeSpan.FromSeconds(1));
            foreach (var item in stream.Feed(host.TakeAll()))
            {
                if (item.Topic == markerTopic)
                {
                    marker = true;
                }
                else if (item.IsMessage)
                {
                    Assert.False(marker, $"a message after the marker: {item}");
                    messages.Add(item);
                }
                else
                {
                    lines += item.Line + "\r\n";
                }
            }
        }

        return (messages, RxQueueStatus.Parse(lines));
    }

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
