using System.Globalization;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// AT+CMQTTCFG="&lt;item&gt;",&lt;i&gt;,... on an acquired client before CONNECT (cleared by REL): "checkUTF8" 0/1
/// (default 1), "optimeout" 20-120 s (default 120), "aliauth" (kept, not used: no Aliyun signing), "version" 3/4
/// (default 3), and the A76XX MQTT-EX "argtopic",&lt;i&gt;,&lt;0/1&gt;[,&lt;payload_len_enable 0/1&gt;] (inline topics and
/// +CMQTTRECV; the length flag 0 when left out). A76XX answers a refused write with plain ERROR.
/// </summary>
internal static class CmqttCfg
{
    public static readonly Command[] Commands =
    [
        new("AT+CMQTTCFG", query: Query, set: Set, test: static (m, ref _) => Cmqtt.Info(m,
            "+CMQTTCFG: \"checkUTF8\",(0-1),(0-1)",
            "+CMQTTCFG: \"optimeout \",(0-1),(20-120)",
            "+CMQTTCFG: \"aliauth\",(0-1),\"productkey\",\"devicename\",\"devicesecret\"",
            "+CMQTTCFG: \"version\",(0-1),(3-4)")),
    ];

    private static ValueTask Query(Modem m, ref ArgReader a) => !CmqttService.Of(m).Started
        ? Cmqtt.Error(m)
        : Cmqtt.Info(m, Cmqtt.All(m).Select(c => string.Create(CultureInfo.InvariantCulture, $"+CMQTTCFG: {c.Client.Index},{c.Client.CheckUtf8},{c.Client.OpTimeout}")));

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (a.Count < 3 || !a.Str(0, 16, 0, 0, out string item) || !Cmqtt.Client(m, ref a, 1, out var link, out var client) || !client.Acquired || link.IsActive)
        {
            return Cmqtt.Error(m);
        }

        switch (item.ToLowerInvariant())
        {
            case "checkutf8" when a.Count == 3 && a.Int(2, 0, 1, out int check):
                client.CheckUtf8 = check;
                return m.Ok();
            case "optimeout" when a.Count == 3 && a.Int(2, 20, 120, out int seconds):
                client.OpTimeout = seconds;
                return m.Ok();
            case "version" when a.Count == 3 && a.Int(2, 3, 4, out int version):
                client.Version = version;
                return m.Ok();
            case "argtopic" when a.Count is 3 or 4 && a.Int(2, 0, 1, out int arg) && a.OptInt(3, 0, 1, 0, 0, 0, out int withLength):
                client.ArgTopic = arg;
                client.ArgTopicLength = withLength;
                return m.Ok();
            case "aliauth" when a.Count == 5 && a.Str(2, 64, 0, 0, out string pk) && a.Str(3, 64, 0, 0, out string dn) && a.Str(4, 64, 0, 0, out string ds):
                client.AliAuth = (pk, dn, ds);
                return m.Ok();
            default:
                return Cmqtt.Error(m);
        }
    }
}
