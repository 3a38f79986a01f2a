using System.Globalization;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Mqtt.Transport;
using AtMqtt.Core.Parsing;

namespace AtMqtt.Core.Commands.Quectel;

/// <summary>
/// AT+QMTOPEN=&lt;client_idx&gt;,"&lt;host_name&gt;",&lt;port&gt;: opens the client's network connection (TCP, or
/// TLS when QMTCFG "ssl" says so) before any MQTT packet. <c>OK</c>, then <c>+QMTOPEN: &lt;idx&gt;,&lt;result&gt;</c>:
/// 0 opened, 2 the client is open already, 3 its PDP context could not be activated, 4 the name did not resolve,
/// -1 the connection failed.
/// AT+QMTOPEN? lists the open clients.
/// </summary>
internal static class QmtOpen
{
    public static readonly Command[] Commands = [new("AT+QMTOPEN", query: Query, set: Set, test: Test, blocking: true)];

    private static ValueTask Test(Modem m, ref ArgReader a) => Qmt.Lines(m, "+QMTOPEN: (0-5),\"<host_name>\",(1-65535)");

    private static ValueTask Query(Modem m, ref ArgReader a)
    {
        foreach (var link in m.Links)
        {
            if (Qmt.IsOpen(link) && link.Target is { } target)
            {
                Qmt.Info(m, string.Create(CultureInfo.InvariantCulture, $"+QMTOPEN: {link.Index},\"{target.Host}\",{target.Port}"));
            }
        }

        return m.Ok();
    }

    private static ValueTask Set(Modem m, ref ArgReader a)
    {
        if (a.Count != 3
            || !Qmt.Client(m, ref a, 0, out var link, out var client)
            || !a.Str(1, m.Dialect.HostMaxBytes, 0, 0, out string host)
            || !a.Int(2, 1, 65535, out int port)
            || host.Length == 0)
        {
            return Qmt.Error(m);
        }

        int idx = link.Index;
        if (link.Phase is not (LinkPhase.Idle or LinkPhase.Failed or LinkPhase.Dropped))
        {
            // The identifier is in use: the client is open (or opening) already.
            return Qmt.Accept(m, link, client, () => Task.FromResult<string?>(Qmt.Urc("+QMTOPEN", idx, 2)));
        }

        // TLS through an AT+QSSLCFG context: its seclevel picks the scheme (docs/quectel.md); plain TCP is scheme 1.
        int scheme = client.SslEnable == 1 ? QsslConfig.Scheme(m, client.SslContext) : 1;
        var target = new BrokerTarget(host, port, Reconnect: false);
        return Qmt.Accept(m, link, client, async () =>
        {
            if (link.Phase is LinkPhase.Failed or LinkPhase.Dropped)
            {
                // A client closed by +QMTSTAT (or a refused CONNECT) starts again from nothing.
                await link.CloseAsync(graceful: false, "AT+QMTOPEN after the connection was lost").ConfigureAwait(false);
            }

            // The client's PDP context carries the connection: activated here if the host has not (result 3 when
            // the network gives none: not registered, radio off, a pdp-deactivated fault; docs/quectel.md).
            int pdpcid = client.PdpCid;
            if (m.Network.Context(pdpcid) is not { Active: true } && m.Network.Activate(pdpcid) != 0)
            {
                return Qmt.Urc("+QMTOPEN", idx, 3);
            }

            TlsCredentials? credentials = null;
            if (scheme != 1)
            {
                // The context is read now, as the module reads it at AT+QMTOPEN: a file it names but UFS lacks fails the open.
                try
                {
                    (var settings, credentials) = QsslConfig.Tls(m, client.SslContext, m.Dialect.Schemes[scheme - 1]);
                    link.Configure(settings);
                }
                catch (TransportException)
                {
                    return Qmt.Urc("+QMTOPEN", idx, -1);
                }
            }

            var failure = await link.OpenAsync(target, new UserConfig(scheme, "", "", [], 0, 0, ""), TimeSpan.FromSeconds(75), credentials).ConfigureAwait(false);
            int result = failure switch
            {
                null => 0,
                OpenFailure.HostNotFound => 4,
                _ => -1,
            };
            return Qmt.Urc("+QMTOPEN", idx, result);
        });
    }
}
