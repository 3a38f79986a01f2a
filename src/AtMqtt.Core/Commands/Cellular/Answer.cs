using System.Text;
using AtMqtt.Core.Device;

namespace AtMqtt.Core.Commands.Cellular;

/// <summary>
/// How a 3GPP module writes its answers (V.25ter verbose, research §1.0): information lines come after a
/// CR LF of their own (<c>ATI\r\r\nQuectel\r\n...\r\n\r\nOK\r\n</c>); a failing network command's result is
/// <c>ERROR</c>, <c>+CME ERROR: &lt;n&gt;</c> or <c>+CME ERROR: &lt;text&gt;</c> as AT+CMEE says; a syntax
/// error is plain <c>ERROR</c> whatever AT+CMEE says (BG770A capture); URCs are <c>\r\n&lt;line&gt;\r\n</c>.
/// </summary>
internal static class Answer
{
    /// <summary>One information line, then <c>OK</c>.</summary>
    public static ValueTask Info(Modem m, string line)
    {
        m.Response.Raw("\r\n"u8);
        m.Response.Line(line);
        return m.Ok();
    }

    /// <summary>Information lines (none: just <c>OK</c>), then <c>OK</c>.</summary>
    public static ValueTask Info(Modem m, IReadOnlyList<string> lines)
    {
        if (lines.Count > 0)
        {
            m.Response.Raw("\r\n"u8);
            foreach (string line in lines)
            {
                m.Response.Line(line);
            }
        }

        return m.Ok();
    }

    /// <summary>A network command's failure as AT+CMEE asks: <c>ERROR</c>, or <c>+CME ERROR</c> numeric or verbose.</summary>
    public static ValueTask CmeError(Modem m, int code)
    {
        switch (m.Network.Cmee)
        {
            case 1:
                m.Response.ErrorLine("+CME ERROR: " + code.ToString(System.Globalization.CultureInfo.InvariantCulture));
                break;
            case 2:
                m.Response.ErrorLine("+CME ERROR: " + CmeErrors.Text(code));
                break;
            default:
                m.Response.Error(0);
                break;
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>A result line and then <c>ERROR</c> (<c>+IP ERROR: ...</c> on SIMCom).</summary>
    public static ValueTask LineThenError(Modem m, string line)
    {
        m.Response.Raw("\r\n"u8);
        m.Response.Line(line);
        m.Response.Error(0);
        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// Queues URCs: they follow the response being written (the command must be blocking). Then the network
    /// changes that returned them are raised, so what the MQTT clients write about them comes after these lines.
    /// </summary>
    public static void Urcs(Modem m, IEnumerable<string> lines)
    {
        foreach (string line in lines)
        {
            m.Urcs.Enqueue(Encoding.UTF8.GetBytes("\r\n" + line + "\r\n"));
        }

        m.Network.RaisePending();
    }
}
