using System.Globalization;
using System.Text;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// AT+QMTCFG="&lt;item&gt;",&lt;client_idx&gt;[,&lt;values&gt;...]: a client's optional settings, every item of
/// the BG95's list (version, pdpcid, ssl, keepalive, session, timeout, will, recv/mode, aliauth). The same
/// line without values queries the item: <c>+QMTCFG: "&lt;item&gt;",&lt;values&gt;</c>. Item names match
/// without regard to case (hosts send "SSL"); an unknown one is ERROR.
/// </summary>
internal static class QmtConfig
{
    public static readonly Command[] Commands = [new("AT+QMTCFG", set: Set, test: Test)];

    // BG95-M3 firmware BG95M3LAR02A03_01.011.01.011, captured (research §1.1).
    private static ValueTask Test(Modem m, ref ArgReader a) => Qmt.Lines(
        m,
        "+QMTCFG: \"version\",(0-5),(3,4)",
        "+QMTCFG: \"pdpcid\",(0-5),(1-16)",
        "+QMTCFG: \"ssl\",(0-5),(0,1),(0-5)",
        "+QMTCFG: \"keepalive\",(0-5),(0-3600)",
        "+QMTCFG: \"session\",(0-5),(0,1)",
        "+QMTCFG: \"timeout\",(0-5),(1-60),(0-10),(0,1)",
        "+QMTCFG: \"will\",(0-5),(0,1),(0-2),(0,1),<will_topic>,<will_message>",
        "+QMTCFG: \"recv/mode\",(0-5),(0,1),(0,1)",
        "+QMTCFG: \"aliauth\",(0-5),<product_key>,<device_name>,<device_secret>");

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (a.Count < 2 || !a.Str(0, 32, 0, 0, out string item) || !Qmt.Client(m, ref a, 1, out _, out var c))
        {
            return Qmt.Error(m);
        }

        bool query = a.Count == 2;
        switch (item.ToLowerInvariant())
        {
            case "version":
                if (query)
                {
                    return Show(m, "version", c.Version);
                }

                if (a.Count != 3 || !a.Int(2, 3, 4, out int version))
                {
                    return Qmt.Error(m);
                }

                c.Version = version;
                return m.Ok();

            case "pdpcid":
                if (query)
                {
                    return Show(m, "pdpcid", c.PdpCid);
                }

                if (a.Count != 3 || !a.Int(2, 1, 16, out int cid))
                {
                    return Qmt.Error(m);
                }

                c.PdpCid = cid;
                return m.Ok();

            case "ssl":
                if (query)
                {
                    return c.SslEnable == 0 ? Show(m, "ssl", 0) : Show(m, "ssl", 1, c.SslContext);
                }

                int ctx = c.SslContext;
                if (a.Count > 4 || !a.Int(2, 0, 1, out int enable) || (a.Count == 4 && !a.Int(3, 0, 5, out ctx)))
                {
                    return Qmt.Error(m);
                }

                (c.SslEnable, c.SslContext) = (enable, ctx);
                return m.Ok();

            case "keepalive":
                if (query)
                {
                    return Show(m, "keepalive", c.KeepAlive);
                }

                if (a.Count != 3 || !a.Int(2, 0, 3600, out int keepAlive))
                {
                    return Qmt.Error(m);
                }

                c.KeepAlive = keepAlive;
                return m.Ok();

            case "session":
                if (query)
                {
                    return Show(m, "session", c.CleanSession);
                }

                if (a.Count != 3 || !a.Int(2, 0, 1, out int clean))
                {
                    return Qmt.Error(m);
                }

                c.CleanSession = clean;
                return m.Ok();

            case "timeout":
                if (query)
                {
                    return Show(m, "timeout", c.PacketTimeout, c.RetryTimes, c.TimeoutNotice);
                }

                int retry = c.RetryTimes, notice = c.TimeoutNotice;
                if (a.Count > 5 || !a.Int(2, 1, 60, out int packet) || (a.Count > 3 && !a.Int(3, 0, 10, out retry)) || (a.Count > 4 && !a.Int(4, 0, 1, out notice)))
                {
                    return Qmt.Error(m);
                }

                (c.PacketTimeout, c.RetryTimes, c.TimeoutNotice) = (packet, retry, notice);
                return m.Ok();

            case "will":
                return Will(m, ref a, c, query);

            case "recv/mode":
                if (query)
                {
                    return Show(m, "recv/mode", c.RecvMode, c.MsgLenEnable);
                }

                int withLength = c.MsgLenEnable;
                if (a.Count > 4 || !a.Int(2, 0, 1, out int mode) || (a.Count == 4 && !a.Int(3, 0, 1, out withLength)))
                {
                    return Qmt.Error(m);
                }

                (c.RecvMode, c.MsgLenEnable) = (mode, withLength);
                return m.Ok();

            case "aliauth":
                if (query)
                {
                    if (c.AliAuth is { } ali)
                    {
                        Qmt.Info(m, $"+QMTCFG: \"aliauth\",\"{ali.ProductKey}\",\"{ali.DeviceName}\",\"{ali.DeviceSecret}\"");
                    }

                    return m.Ok();
                }

                if (a.Count != 5 || !a.Str(2, 64, 0, 0, out string product) || !a.Str(3, 64, 0, 0, out string device) || !a.Str(4, 64, 0, 0, out string secret))
                {
                    return Qmt.Error(m);
                }

                // Kept and shown; the connection still uses AT+QMTCONN's client ID and credentials (docs/quectel.md).
                c.AliAuth = (product, device, secret);
                return m.Ok();

            default:
                return Qmt.Error(m);
        }
    }

    /// <summary>"will",idx,will_fg[,will_qos,will_retain,"will_topic","will_msg"]: with will_fg=1 all four are required.</summary>
    private static ValueTask Will(Modem m, ref ArgReader a, QuectelClient c, bool query)
    {
        if (query)
        {
            if (c.WillFlag == 0)
            {
                return Show(m, "will", 0);
            }

            Qmt.Info(m, string.Create(CultureInfo.InvariantCulture, $"+QMTCFG: \"will\",1,{c.WillQos},{c.WillRetain},\"{c.WillTopic}\",\"{Encoding.UTF8.GetString(c.WillMessage)}\""));
            return m.Ok();
        }

        if (!a.Int(2, 0, 1, out int flag))
        {
            return Qmt.Error(m);
        }

        if (flag == 0)
        {
            if (a.Count != 3)
            {
                return Qmt.Error(m);
            }

            c.WillFlag = 0;
            return m.Ok();
        }

        if (a.Count != 7
            || !a.Int(3, 0, 2, out int qos)
            || !a.Int(4, 0, 1, out int retain)
            || !a.Str(5, 255, 0, 0, out string topic)
            || !a.Bytes(6, 255, 0, 0, out byte[] message)
            || topic.Length == 0)
        {
            return Qmt.Error(m);
        }

        (c.WillFlag, c.WillQos, c.WillRetain, c.WillTopic, c.WillMessage) = (1, qos, retain, topic, message);
        return m.Ok();
    }

    private static ValueTask Show(Modem m, string item, params int[] values)
    {
        Qmt.Info(m, $"+QMTCFG: \"{item}\"," + string.Join(',', values.Select(v => v.ToString(CultureInfo.InvariantCulture))));
        return m.Ok();
    }
}
