using System.Text;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// What the AT+CMQTT* commands share (docs/simcom.md): the client index, the 3GPP response framing
/// (<c>\r\n+INFO\r\n</c> lines, then <c>\r\nOK\r\n</c>), the refused shape <c>+CMQTTxxx: &lt;i&gt;,&lt;err&gt;</c> then
/// <c>ERROR</c>, the data entry after <c>\r\n&gt;</c> of exactly the announced length, and the two-phase result
/// (<c>OK</c> now, the result URC after the work and the timing model's delay).
/// </summary>
internal static class Cmqtt
{
    /// <summary>The data prompt: CR LF and <c>&gt;</c>, no space (research §2.3).</summary>
    private static ReadOnlySpan<byte> Prompt => "\r\n>"u8;

    /// <summary>client_index 0..1 (the profile's client count). The service must be started (A76XX manual 18.2.1).</summary>
    public static bool Client(Modem m, ref ArgReader a, int index, out MqttLink link, out SimcomClient client)
    {
        link = null!;
        client = null!;
        if (!CmqttService.Of(m).Started || !a.Int(index, 0, m.Links.Count - 1, out int idx))
        {
            return false;
        }

        link = m.Links[idx];
        client = (SimcomClient)link.Reporter;
        client.Modem = m;
        return true;
    }

    /// <summary>The clients, each with its modem set (read forms list them all).</summary>
    public static IEnumerable<(MqttLink Link, SimcomClient Client)> All(Modem m) => m.Links.Select(l =>
    {
        var c = (SimcomClient)l.Reporter;
        c.Modem = m;
        return (l, c);
    });

    /// <summary>A syntax error, a value out of range, the service not started: plain ERROR.</summary>
    public static ValueTask Error(Modem m) => m.Fail(0);

    /// <summary>A refused command: <c>\r\n+NAME: &lt;i&gt;,&lt;err&gt;\r\n\r\nERROR\r\n</c>.</summary>
    public static ValueTask Refuse(Modem m, string name, int index, int err)
    {
        m.Response.Raw("\r\n"u8);
        m.Response.Line(SimcomClient.Line(name, index, err));
        return m.Fail(0);
    }

    /// <summary>Information lines, then OK.</summary>
    public static ValueTask Info(Modem m, params IEnumerable<string> lines)
    {
        bool first = true;
        foreach (string line in lines)
        {
            if (first)
            {
                m.Response.Raw("\r\n"u8);
                first = false;
            }

            m.Response.Line(line);
        }

        return m.Ok();
    }

    /// <summary>OK now; the action's result line after it (see <see cref="SimcomClient.Then"/>).</summary>
    public static ValueTask Accept(Modem m, SimcomClient client, Func<Task<string?>> action)
    {
        client.Then(m, m.Options.TimeProvider.GetTimestamp(), action);
        return m.Ok();
    }

    /// <summary>
    /// <c>\r\n&gt;</c>, then exactly <paramref name="length"/> bytes (not echoed, no terminator), handed to
    /// <paramref name="onData"/>, which writes the result. A CR LF the host sends after them is an empty line.
    /// </summary>
    public static ValueTask Data(Modem m, int length, Func<Modem, byte[], ValueTask> onData)
    {
        m.Response.Raw(Prompt);
        m.BeginDataPhase(length, "ERROR", onData);
        return ValueTask.CompletedTask;
    }

    /// <summary>Whether <paramref name="bytes"/> pass the client's checkUTF8 (on: they must be UTF-8).</summary>
    public static bool Utf8Ok(SimcomClient client, byte[] bytes)
    {
        if (client.CheckUtf8 == 0)
        {
            return true;
        }

        try
        {
            _ = Strict.GetCharCount(bytes);
            return true;
        }
        catch (DecoderFallbackException)
        {
            return false;
        }
    }

    /// <summary>The data entry's result: OK, or the refused shape with err 2 when checkUTF8 rejects the bytes.</summary>
    public static ValueTask Entered(Modem m, string name, SimcomClient client, byte[] data, Action<byte[]> keep)
    {
        if (!Utf8Ok(client, data))
        {
            return Refuse(m, name, client.Index, CmqttResult.BadUtf8);
        }

        keep(data);
        return m.Ok();
    }

    /// <summary>
    /// Why a PUB/SUB/UNSUB cannot go out: 14 "client is busy" before any CONNECT completed (Freematics forum),
    /// 11 "no connection" once a connection was lost; 0 when connected.
    /// </summary>
    public static int NotConnected(MqttLink link) => link.IsConnected ? 0 : link.Phase == LinkPhase.Dropped ? CmqttResult.NoConnection : CmqttResult.ClientBusy;

    public static readonly UTF8Encoding Strict = new(false, true);
}
