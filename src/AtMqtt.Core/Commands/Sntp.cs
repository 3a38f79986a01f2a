using System.Globalization;
using System.Text;
using AtMqtt.Core.Device;
using AtMqtt.Core.Parsing;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Core.Commands;

/// <summary>
/// AT+CIPSNTPCFG and AT+CIPSNTPTIME? (SPEC section 5). The "sync" is simulated: shortly after SNTP is
/// enabled (and, with --require-wifi, once the station has joined) the clock takes the host
/// computer's time and the URC <c>+TIME_UPDATED</c> follows the OK, once per configuration.
/// </summary>
internal static class Sntp
{
    /// <summary>How long the simulated sync takes.</summary>
    public static readonly TimeSpan SyncDelay = TimeSpan.FromMilliseconds(200);

    private const int ServerMaxBytes = 64;

    private static readonly byte[] TimeUpdatedLine = "+TIME_UPDATED\r\n"u8.ToArray();

    public static readonly Command[] Commands =
    [
        // Blocking so that its echo opens the response: +TIME_UPDATED can never overtake the OK.
        new("AT+CIPSNTPCFG", query: QueryConfig, set: SetConfig, blocking: true),
        new("AT+CIPSNTPTIME", query: QueryTime),
    ];

    /// <summary><c>+CIPSNTPCFG:&lt;enable&gt;,&lt;timezone&gt;,"&lt;server1&gt;"[,"&lt;server2&gt;"[,"&lt;server3&gt;"]]</c>.</summary>
    private static ValueTask QueryConfig(Modem m, ref ArgReader a)
    {
        var c = m.Device.Sntp;
        var line = new StringBuilder();
        line.Append(CultureInfo.InvariantCulture, $"+CIPSNTPCFG:{(c.Enabled ? 1 : 0)},{c.Timezone}");
        foreach (string server in c.Servers)
        {
            line.Append(",\"").Append(server).Append('"');
        }

        m.Response.Line(line.ToString());
        return m.Ok();
    }

    /// <summary>
    /// AT+CIPSNTPCFG=&lt;enable&gt;[,&lt;timezone&gt;][,&lt;"server1"&gt;][,&lt;"server2"&gt;][,&lt;"server3"&gt;].
    /// timezone: whole hours -12..14, or [+|-][h]hmm (hours -12..14, minutes 0..59); omitted is 0.
    /// No server given means ESP-AT's three defaults.
    /// </summary>
    private static ValueTask SetConfig(Modem m, ref ArgReader a)
    {
        int hours = 0;
        int minutes = 0;
        if (!a.Arity(1, 5)
            || !a.Int(0, 0, 1, out int enable)
            || (a.Has(1) && !(DeviceArgs.SignedInt(ref a, 1, -1259, 1459, out int timezone)
                && (Timezone(timezone, out hours, out minutes) || a.Fail(ErrorCode.ParamInvalid(1))))))
        {
            return m.Fail(a.Error);
        }

        var servers = new List<string>(3);
        for (int i = 2; i < a.Count; i++)
        {
            if (!DeviceArgs.OptText(ref a, i, ServerMaxBytes, out string? server)
                || !(server is null || server.Length > 0 || a.Fail(ErrorCode.ParamInvalid(i))))
            {
                return m.Fail(a.Error);
            }

            if (server is not null)
            {
                servers.Add(server);
            }
        }

        var config = new SntpConfig(enable == 1, hours, minutes, servers.Count == 0 ? SntpConfig.DefaultServers : servers);
        int generation = m.Device.ConfigureSntp(config);
        m.Response.Ok();
        if (config.Enabled && (!m.Options.RequireWifi || m.Device.WifiConnected))
        {
            Schedule(m, generation);
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>
    /// <c>+CIPSNTPTIME:&lt;asctime&gt;</c> in the configured timezone: the host computer's clock once
    /// synced (or set by AT+SYSTIMESTAMP), else 1970-01-01 plus the uptime, as a module shows.
    /// </summary>
    private static ValueTask QueryTime(Modem m, ref ArgReader a)
    {
        var local = m.Device.Now.UtcDateTime.AddMinutes(m.Device.Sntp.OffsetMinutes);
        m.Response.Line("+CIPSNTPTIME:" + Asctime(local));
        return m.Ok();
    }

    /// <summary>The station joined: a sync waiting for the network can happen now.</summary>
    public static void OnWifiJoined(Modem m)
    {
        if (m.Device.SntpPending)
        {
            Schedule(m, m.Device.SntpGeneration);
        }
    }

    /// <summary>C's asctime without the newline: <c>Thu Jan  1 00:02:08 1970</c> (day of month as %3d).</summary>
    public static string Asctime(DateTime t) =>
        string.Create(CultureInfo.InvariantCulture, $"{t:ddd MMM} {t.Day,2} {t:HH:mm:ss} {t.Year}");

    /// <summary>ESP-AT's two timezone formats; <paramref name="hours"/> is what the query shows.</summary>
    private static bool Timezone(int value, out int hours, out int minutes)
    {
        if (value is >= -12 and <= 14)
        {
            hours = value;
            minutes = value * 60;
            return true;
        }

        int sign = value < 0 ? -1 : 1;
        int hh = Math.Abs(value) / 100;
        int mm = Math.Abs(value) % 100;
        hours = sign * hh;
        minutes = sign * ((hh * 60) + mm);
        return mm <= 59 && hh <= (sign > 0 ? 14 : 12);
    }

    private static void Schedule(Modem m, int generation) => _ = CompleteLaterAsync(m, generation);

    private static async Task CompleteLaterAsync(Modem m, int generation)
    {
        try
        {
            await Task.Delay(SyncDelay).ConfigureAwait(false);

            // A restart, AT+RESTORE or a new configuration since then makes the generation stale.
            if (m.Device.CompleteSntpSync(generation))
            {
                m.Log.LogDebug("SNTP synced (simulated): the clock follows the host computer");
                m.Urcs.Enqueue(TimeUpdatedLine);
            }
        }
        catch (Exception ex) when (ex is not ObjectDisposedException)
        {
            m.Log.LogError(ex, "Simulated SNTP sync failed");
        }
        catch (ObjectDisposedException)
        {
            // The modem (or its logger) was disposed meanwhile: nobody is left to tell.
        }
    }
}
