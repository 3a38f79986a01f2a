using System.Globalization;
using AtMqtt.Core.Commands.Cellular;
using AtMqtt.Core.Device;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// AT+QICSGP (Quectel TCP/IP context): <c>=&lt;cid&gt;,&lt;type&gt;,"&lt;APN&gt;"[,"&lt;user&gt;","&lt;pwd&gt;"[,&lt;auth&gt;]]</c>
/// configures (and defines) context cid; type 1 IPv4, 2 IPv6, 3 IPv4v6; auth 0 none, 1 PAP, 2 CHAP, 3 PAP
/// or CHAP. <c>=&lt;cid&gt;</c> reads it back: <c>+QICSGP: &lt;type&gt;,"&lt;APN&gt;","&lt;user&gt;","&lt;pwd&gt;",&lt;auth&gt;</c>
/// (the module prints the password; the transcript hides it). The context is AT+CGDCONT's.
/// </summary>
internal static class Qicsgp
{
    /// <summary>The longest user name and password (Quectel TCP/IP AN: 127 bytes).</summary>
    public const int CredentialMaxBytes = 127;

    public static readonly Command[] Commands =
    [
        new("AT+QICSGP", set: Set, test: static (m, ref _) => Answer.Info(m, string.Create(CultureInfo.InvariantCulture,
            $"+QICSGP: (1-{m.Network.Module.MaxContextId}),(1-3),<APN>,<username>,<password>,(0-3)"))),
    ];

    private static ValueTask Set(Modem m, ref Parsing.ArgReader a)
    {
        var n = m.Network;
        if (!a.Arity(1, 6) || !a.Int(0, 1, n.Module.MaxContextId, out int cid))
        {
            return m.Fail(a.Error);
        }

        if (a.Count == 1)
        {
            var c = n.Context(cid)!.View();
            int type = Array.IndexOf(Cgdcont.Types, c.Type) + 1;
            return Answer.Info(m, string.Create(CultureInfo.InvariantCulture, $"+QICSGP: {type},\"{c.Apn}\",\"{c.User}\",\"{c.Password}\",{c.Auth}"));
        }

        if (!a.Arity(3, 6) || !a.Int(1, 1, 3, out int kind) || !DeviceArgs.Text(ref a, 2, Cgdcont.ApnMaxBytes, out string apn)
            || !DeviceArgs.OptText(ref a, 3, CredentialMaxBytes, out string? user) || !DeviceArgs.OptText(ref a, 4, CredentialMaxBytes, out string? password)
            || !DeviceArgs.OptInt(ref a, 5, 0, 3, 0, out int auth))
        {
            return m.Fail(a.Error);
        }

        n.Configure(cid, Cgdcont.Types[kind - 1], apn, user ?? "", password ?? "", auth);
        return m.Ok();
    }
}
