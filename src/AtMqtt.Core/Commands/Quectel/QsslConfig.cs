using System.Globalization;
using System.Security.Authentication;
using AtMqtt.Core.Device;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Mqtt.Transport;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// AT+QSSLCFG="&lt;item&gt;",&lt;SSL_ctxID&gt;[,&lt;value&gt;]: the six SSL contexts a client with QMTCFG "ssl",idx,1,ctx
/// connects through. Every item of the BG95's list is kept and read back (<c>+QSSLCFG: "&lt;item&gt;",&lt;ctx&gt;,&lt;value&gt;</c>);
/// seclevel picks the TLS transport (0 no verification, 1 the server verified, 2 the server verified and a client
/// certificate presented); cacert, clientcert and clientkey name files of the module's UFS (AT+QFUPL), read at
/// AT+QMTOPEN with sni, checkhost and sslversion (<see cref="Tls"/>, docs/quectel.md).
/// </summary>
internal static class QsslConfig
{
    public const int Contexts = 6;

    public static readonly Command[] Commands = [new("AT+QSSLCFG", set: Set, test: Test)];

    // Item: (range of a numeric value, or null for a quoted string).
    private static readonly Dictionary<string, (int Min, int Max)?> Items = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sslversion"] = (0, 4),
        ["ciphersuite"] = null,
        ["cacert"] = null,
        ["clientcert"] = null,
        ["clientkey"] = null,
        ["seclevel"] = (0, 2),
        ["session"] = (0, 1),
        ["sni"] = (0, 1),
        ["checkhost"] = (0, 1),
        ["ignorelocaltime"] = (0, 1),
        ["negotiatetime"] = (10, 300),
        ["dtls"] = (0, 1),
        ["dtlsversion"] = (0, 2),
    };

    private static readonly Dictionary<string, string> Defaults = new(StringComparer.OrdinalIgnoreCase)
    {
        ["sslversion"] = "4",
        ["ciphersuite"] = "0XFFFF",
        ["seclevel"] = "0",
        ["session"] = "0",
        ["sni"] = "0",
        ["checkhost"] = "0",
        ["ignorelocaltime"] = "1",
        ["negotiatetime"] = "300",
        ["dtls"] = "0",
        ["dtlsversion"] = "0",
    };

    // BG95-M3, captured (research §1.8).
    private static ValueTask Test(Modem m, ref ArgReader a) => Qmt.Lines(
        m,
        "+QSSLCFG: \"sslversion\",(0-5),(0-4)",
        "+QSSLCFG: \"ciphersuite\",(0-5),(0X0035,0X002F,0X0005,0X0004,0X000A,0X003D,0XC002,0XC003,0XC004,0XC005,0XC007,0XC008,0XC009,0XC00A,0XC011,0XC012,0XC013,0XC014,0XC00C,0XC00D,0XC00E,0XC00F,0XC023,0XC024,0XC025,0XC026,0XC027,0XC028,0XC029,0XC02A,0XC02F,0XC030,0XFFFF)",
        "+QSSLCFG: \"cacert\",(0-5),<cacertpath>",
        "+QSSLCFG: \"clientcert\",(0-5),<clientcertpath>",
        "+QSSLCFG: \"clientkey\",(0-5),<clientkeypath>",
        "+QSSLCFG: \"seclevel\",(0-5),(0-2)",
        "+QSSLCFG: \"session\",(0-5),(0,1)",
        "+QSSLCFG: \"sni\",(0-5),(0,1)",
        "+QSSLCFG: \"checkhost\",(0-5),(0,1)",
        "+QSSLCFG: \"ignorelocaltime\",(0-5),(0,1)",
        "+QSSLCFG: \"negotiatetime\",(0-5),(10-300)",
        "+QSSLCFG: \"dtls\",(0-5),(0,1)",
        "+QSSLCFG: \"dtlsversion\",(0-5),(0-2)");

    /// <summary>The link scheme (Dialect.Quectel) a client with SSL on uses through context <paramref name="context"/>.</summary>
    public static int Scheme(Modem m, int context) => Level(m.FamilyState<State>(), context) switch
    {
        0 => 2,
        1 => 3,
        _ => 5,
    };

    /// <summary>
    /// What a client connecting through context <paramref name="context"/> with <paramref name="scheme"/> does TLS with
    /// (docs/quectel.md, "TLS"): SNI as "sni" says, the host name checked as "checkhost" says, TLS 1.2 only for
    /// sslversion 3, and the cacert / clientcert / clientkey the context names, read from the UFS (AT+QFUPL); what it
    /// names nothing for is the program's <c>--ca</c> / <c>--client-cert</c>. Throws a
    /// <see cref="Mqtt.Transport.TransportException"/> when a named file is not there or cannot be used.
    /// </summary>
    public static (TlsSettings Settings, TlsCredentials Credentials) Tls(Modem m, int context, Scheme scheme)
    {
        var state = m.FamilyState<State>();
        string? ca, certificate, key;
        int sni, checkHost, version;
        lock (state)
        {
            ca = state.Get(context, "cacert");
            certificate = state.Get(context, "clientcert");
            key = state.Get(context, "clientkey");
            sni = int.Parse(state.Get(context, "sni") ?? "0", CultureInfo.InvariantCulture);
            checkHost = int.Parse(state.Get(context, "checkhost") ?? "0", CultureInfo.InvariantCulture);
            version = int.Parse(state.Get(context, "sslversion") ?? "4", CultureInfo.InvariantCulture);
        }

        var credentials = m.Certificates.ForContext(scheme, File(m, context, "cacert", ca), File(m, context, "clientcert", certificate), File(m, context, "clientkey", key));
        var settings = TlsSettings.None with
        {
            SendSni = sni == 1,
            CheckHost = checkHost == 1,

            // SSL 3.0, TLS 1.0 and 1.1 (0..2) are not offered by .NET on Linux: they get the system's choice too.
            Protocols = version == 3 ? SslProtocols.Tls12 : SslProtocols.None,
        };
        return (settings, credentials);
    }

    private static FlashCertificate File(Modem m, int context, string item, string? name)
    {
        if (name is null)
        {
            return default;
        }

        string origin = string.Create(CultureInfo.InvariantCulture, $"AT+QSSLCFG \"{item}\",{context} (UFS file \"{name}\")");
        return Qfile.Name(name, out string stored) && Qfile.Store(m).Read(stored) is { } content
            ? new FlashCertificate(origin, content, null)
            : new FlashCertificate(origin, null, "is not there: upload it with AT+QFUPL");
    }

    private static int Level(State state, int context)
    {
        lock (state)
        {
            return int.Parse(state.Get(context, "seclevel") ?? "0", CultureInfo.InvariantCulture);
        }
    }

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (a.Count is < 2 or > 3 || !a.Str(0, 32, 0, 0, out string item) || !Items.TryGetValue(item, out var range) || !a.Int(1, 0, Contexts - 1, out int ctx))
        {
            return Qmt.Error(m);
        }

        var state = m.FamilyState<State>();
        string name = item.ToLowerInvariant();
        if (a.Count == 2)
        {
            string? value;
            lock (state)
            {
                value = state.Get(ctx, name);
            }

            if (value is not null)
            {
                Qmt.Info(m, string.Create(CultureInfo.InvariantCulture, $"+QSSLCFG: \"{name}\",{ctx},{(range is null && name != "ciphersuite" ? "\"" + value + "\"" : value)}"));
            }

            return m.Ok();
        }

        string text;
        if (range is { } r)
        {
            if (!a.Int(2, r.Min, r.Max, out int number))
            {
                return Qmt.Error(m);
            }

            text = number.ToString(CultureInfo.InvariantCulture);
        }
        else if (!a.Str(2, 80, 0, 0, out text) || text.Length == 0)
        {
            return Qmt.Error(m);
        }

        lock (state)
        {
            state.Values[(ctx, name)] = name == "ciphersuite" ? text.ToUpperInvariant() : text;
        }

        return m.Ok();
    }

    /// <summary>The module's SSL contexts (lost at power-off, as QMTCFG's settings are).</summary>
    internal sealed class State
    {
        public Dictionary<(int Context, string Item), string> Values { get; } = [];

        public string? Get(int context, string item) =>
            Values.TryGetValue((context, item), out var value) ? value : Defaults.GetValueOrDefault(item);
    }
}
