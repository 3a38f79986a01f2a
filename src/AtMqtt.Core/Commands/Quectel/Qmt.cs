using System.Globalization;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// What the AT+QMT* commands share: the client index, the response framing of a Quectel module
/// (<c>\r\n+INFO\r\n</c> lines, then <c>\r\nOK\r\n</c>; plain <c>ERROR</c> on any mistake), and the
/// two-phase result: <c>OK</c> now, the result URC after the client's work and the timing model's delay.
/// </summary>
internal static class Qmt
{
    /// <summary>client_idx 0..5 (the profile's client count).</summary>
    public static bool Client(Modem m, ref ArgReader a, int index, out MqttLink link, out QuectelClient client)
    {
        link = null!;
        client = null!;
        if (!a.Int(index, 0, m.Links.Count - 1, out int idx))
        {
            return false;
        }

        link = m.Links[idx];
        client = (QuectelClient)link.Reporter;
        return true;
    }

    /// <summary>An information line: the first of a response gets the CR LF a Quectel module writes before it.</summary>
    public static void Info(Modem m, string line)
    {
        if (m.Response.Written.IsEmpty)
        {
            m.Response.Raw("\r\n"u8);
        }

        m.Response.Line(line);
    }

    /// <summary>Several information lines (a test command's reply).</summary>
    public static ValueTask Lines(Modem m, params string[] lines)
    {
        foreach (var line in lines)
        {
            Info(m, line);
        }

        return m.Ok();
    }

    /// <summary>Any mistake of the host's: plain ERROR, and nothing changes.</summary>
    public static ValueTask Error(Modem m) => m.Fail(ErrorCode.Mqtt(0));

    /// <summary>
    /// Answers OK now and runs <paramref name="action"/> after the client's earlier actions; its line (the result
    /// URC's text, or null for none) is queued no sooner than the modem's result delay after the OK.
    /// </summary>
    public static ValueTask Accept(Modem m, MqttLink link, QuectelClient client, Func<Task<string?>> action)
    {
        client.Then(m, link, async () =>
        {
            string? text = await action().ConfigureAwait(false);
            return text is null ? null : "\r\n" + text + "\r\n";
        });
        return m.Ok();
    }

    /// <summary>A result line's fields.</summary>
    public static string Urc(string name, params int[] fields) =>
        name + ": " + string.Join(',', fields.Select(f => f.ToString(CultureInfo.InvariantCulture)));

    /// <summary>How long a packet may wait for its answer: the "timeout" configuration's pkt_timeout times (retry_times + 1).</summary>
    public static TimeSpan PacketWait(QuectelClient client) => TimeSpan.FromSeconds(client.PacketTimeout * (client.RetryTimes + 1));

    /// <summary>Open: from a successful AT+QMTOPEN until the connection is closed or lost.</summary>
    public static bool IsOpen(MqttLink link) => link.Phase is LinkPhase.Opened or LinkPhase.Connecting or LinkPhase.Connected;
}
