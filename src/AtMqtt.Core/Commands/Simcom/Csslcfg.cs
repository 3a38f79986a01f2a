using System.Globalization;
using System.Security.Authentication;
using AtMqtt.Core.Commands.Cellular;
using AtMqtt.Core.Device;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Mqtt.Transport;

namespace AtMqtt.Core.Commands.Simcom;

/// <summary>
/// AT+CSSLCFG (SIMCom SSL contexts 0..9), as the A76XX manual V2.03 has it:
/// <c>="&lt;item&gt;",&lt;ctx&gt;,&lt;value&gt;</c> sets sslversion (0-4), authmode (0-3), ignorelocaltime (0,1),
/// negotiatetime (10-300), cacert / clientcert / clientkey / password (a file name, 5-108 bytes),
/// enableSNI (0,1), ignorecertCN (0,1); <c>?</c> lists every context with its 11 fields. The settings are
/// data in <see cref="CellularNetwork.SslContexts"/>, for the TLS transport of the MQTT clients
/// (docs/cellular.md says which fields it uses).
/// </summary>
internal static class Csslcfg
{
    private static readonly Item[] Items =
    [
        new("sslversion", "(0-4)", 0, 4, (c, v) => c.SslVersion = v),
        new("authmode", "(0-3)", 0, 3, (c, v) => c.AuthMode = v),
        new("ignorelocaltime", "(0,1)", 0, 1, (c, v) => c.IgnoreLocalTime = v),
        new("negotiatetime", "(10-300)", 10, 300, (c, v) => c.NegotiateTime = v),
        new("cacert", "(5-108)", 5, 108, null, (c, v) => c.CaCert = v),
        new("clientcert", "(5-108)", 5, 108, null, (c, v) => c.ClientCert = v),
        new("clientkey", "(5-108)", 5, 108, null, (c, v) => c.ClientKey = v),
        new("password", "(5-108)", 5, 108, null, (c, v) => c.Password = v),
        new("enableSNI", "(0,1)", 0, 1, (c, v) => c.EnableSni = v),
        new("ignorecertCN", "(0,1)", 0, 1, (c, v) => c.IgnoreCertCn = v),
    ];

    public static readonly Command[] Commands =
    [
        new("AT+CSSLCFG", query: Query, set: Set, test: static (m, ref _) => Answer.Info(m, [.. Items.Select(i => $"+CSSLCFG: \"{i.Name}\",(0-9),{i.Range}")])),
    ];

    private static ValueTask Query(Modem m, ref Parsing.ArgReader a)
    {
        var lines = m.Network.SslContexts.Select((c, i) => string.Create(CultureInfo.InvariantCulture,
            $"+CSSLCFG: {i},{c.SslVersion},{c.AuthMode},{c.IgnoreLocalTime},{c.NegotiateTime},\"{c.CaCert}\",\"{c.ClientCert}\",\"{c.ClientKey}\",\"{c.Password}\",{c.EnableSni},{c.IgnoreCertCn}"));
        return Answer.Info(m, [.. lines]);
    }

    private static ValueTask Set(Modem m, ref Parsing.ArgReader a)
    {
        if (!a.Arity(3, 3) || !DeviceArgs.Text(ref a, 0, 32, out string name) || !a.Int(1, 0, 9, out int ctx))
        {
            return m.Fail(a.Error);
        }

        var item = Array.Find(Items, i => string.Equals(i.Name, name, StringComparison.OrdinalIgnoreCase));
        if (item is null)
        {
            return m.Fail(Parsing.ErrorCode.ParamInvalid(0));
        }

        var context = m.Network.SslContexts[ctx];
        if (item.SetText is { } setText)
        {
            if (!DeviceArgs.Text(ref a, 2, item.Max, out string file) || !(file.Length >= item.Min || a.Fail(Parsing.ErrorCode.ParamInvalid(2))))
            {
                return m.Fail(a.Error);
            }

            setText(context, file);
        }
        else
        {
            if (!a.Int(2, item.Min, item.Max, out int value))
            {
                return m.Fail(a.Error);
            }

            item.SetInt!(context, value);
        }

        return m.Ok();
    }

    /// <summary>
    /// How a TLS client (ACCQ server_type 1) connects through context <paramref name="index"/> (docs/simcom.md, "TLS"):
    /// authmode picks the scheme (0 no verification, 1 the server verified with cacert, 2 also clientcert/clientkey
    /// presented, 3 the client certificate only), enableSNI the SNI, ignorecertCN the host name check, sslversion 3
    /// TLS 1.2 only; the files come from the certificate store (AT+CCERTDOWN), and what the context names nothing
    /// for from the program's <c>--ca</c> / <c>--client-cert</c>. Throws a <see cref="TransportException"/> when a
    /// named file is not there or cannot be used.
    /// </summary>
    public static (int Scheme, TlsSettings Settings, TlsCredentials Credentials) Tls(Modem m, int index)
    {
        var c = m.Network.SslContexts[index];
        int scheme = c.AuthMode switch
        {
            0 => 2,
            1 => 3,
            2 => 5,
            _ => 4,
        };
        var credentials = m.Certificates.ForContext(
            m.Dialect.Schemes[scheme - 1],
            File(m, index, "cacert", c.CaCert),
            File(m, index, "clientcert", c.ClientCert),
            File(m, index, "clientkey", c.ClientKey));
        var settings = TlsSettings.None with
        {
            SendSni = c.EnableSni == 1,
            CheckHost = c.IgnoreCertCn == 0,

            // SSL 3.0, TLS 1.0 and 1.1 (0..2) are not offered by .NET on Linux: they get the system's choice too.
            Protocols = c.SslVersion == 3 ? SslProtocols.Tls12 : SslProtocols.None,
        };
        return (scheme, settings, credentials);
    }

    private static FlashCertificate File(Modem m, int index, string item, string name)
    {
        if (name.Length == 0)
        {
            return default;
        }

        string origin = string.Create(CultureInfo.InvariantCulture, $"AT+CSSLCFG \"{item}\",{index} (certificate \"{name}\")");
        return Ccert.Store(m).Read(name) is { } content
            ? new FlashCertificate(origin, content, null)
            : new FlashCertificate(origin, null, "is not there: download it with AT+CCERTDOWN");
    }

    private sealed record Item(string Name, string Range, int Min, int Max, Action<SslContext, int>? SetInt, Action<SslContext, string>? SetText = null);
}
