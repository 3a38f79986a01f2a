using System.Diagnostics;
using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.EndToEnd.Tests.Reliability;

/// <summary>Item 3, the backoff: a class of its own, so that its minute runs beside the other tests.</summary>
public sealed class ReconnectBackoffTests(MosquittoFixture mosquitto, ITestOutputHelper output) : IClassFixture<MosquittoFixture>
{
    /// <summary>
    /// reconnect=1, then the broker is unreachable: attempts 1 s after the drop, then 2, 4, 8, 16 s
    /// apart, then 30 s (the cap), counted at the proxy. No storm, no give-up.
    /// </summary>
    [Fact]
    public async Task Reconnect_BacksOffFromOneSecond_DoublingUpToThirtySeconds()
    {
        await using var proxy = TcpProxy.Start(mosquitto.Broker.Port);
        await using var modem = await LiveModem.StartAsync();
        await modem.ConnectLinkAsync("backoff-" + Guid.NewGuid().ToString("N")[..10], proxy.Port, reconnect: 1);
        Assert.Equal(1, proxy.AcceptCount);

        proxy.Refuse(true);
        var drop = proxy.Now;
        proxy.DropAll();
        await modem.ExpectBytesAsync("+MQTTDISCONNECTED:0\r\n", TimeSpan.FromSeconds(5));

        double[] expected = [1, 2, 4, 8, 16, 30];
        await Poll.UntilAsync(() => proxy.AcceptCount >= 1 + expected.Length, () => $"only {proxy.AcceptCount - 1} attempts", TimeSpan.FromSeconds(75));

        // The modem logs an attempt once it has failed, a moment after the proxy accepted it.
        await modem.Process.WaitForStdErrAsync("Reconnect attempt ", expected.Length);

        // The schedule by the modem's own clock (its log: the drop, then each attempt as it fails at
        // once), so that a loaded test process cannot blur it; the proxy saw the same attempts.
        var attempts = proxy.Accepts.Skip(1).ToList();
        var proxyGaps = attempts.Select((t, i) => (t - (i == 0 ? drop : attempts[i - 1])).TotalSeconds).ToList();
        var times = LogTimes(modem.Process.StdErr, "Connection lost").Take(1).Concat(LogTimes(modem.Process.StdErr, "Reconnect attempt ")).ToList();
        Assert.True(times.Count >= 1 + expected.Length, "Modem log lacks the drop or the attempts:\n" + modem.Process.StdErr);
        var gaps = Enumerable.Range(1, expected.Length).Select(i => (times[i] - times[i - 1] + TimeSpan.FromDays(1)).TotalSeconds % 86400).ToList();
        output.WriteLine("gaps between attempts, modem log (s): " + string.Join(", ", gaps.Select(g => g.ToString("F2", CultureInfo.InvariantCulture))));
        output.WriteLine("gaps between attempts, at the proxy (s): " + string.Join(", ", proxyGaps.Select(g => g.ToString("F2", CultureInfo.InvariantCulture))));
        Assert.Equal(1 + expected.Length, proxy.AcceptCount);

        // The schedule as the modem set it: 1 s after the drop, doubling, capped at 30 s.
        var scheduled = DelaysLogged(modem.Process.StdErr).Take(expected.Length).ToList();
        Assert.Equal(expected, scheduled);
        for (int i = 0; i < expected.Length; i++)
        {
            // Never early, by its clock or the proxy's. Late by the time an attempt takes to fail,
            // which a loaded machine stretches (seconds at a load of 30): no upper bound.
            Assert.True(gaps[i] >= expected[i] - 0.1, $"attempt {i + 1} came {gaps[i]:F2} s after the previous, before its {expected[i]} s");
            Assert.True(proxyGaps[i] >= expected[i] - 0.1, $"attempt {i + 1} reached the proxy {proxyGaps[i]:F2} s after the previous, before its {expected[i]} s");
        }

        // Still trying, and the next host command is answered meanwhile.
        await modem.ExpectAsync("AT+MQTTCONN?", $"+MQTTCONN:0,disconnect,1,\"{FreePort.Host}\",{proxy.Port},1\r\n\r\nOK\r\n");
    }

    /// <summary>The delays the modem logged, in order: "reconnecting in N s" at the drop, "next in N s" after each attempt.</summary>
    private static IEnumerable<double> DelaysLogged(string stderr) =>
        System.Text.RegularExpressions.Regex.Matches(stderr, @"(?:reconnecting|next) in ([0-9.]+) s")
            .Select(m => double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));

    /// <summary>The UTC time of day of each log line containing <paramref name="text"/> (lines start "HH:mm:ss.fff ").</summary>
    private static IEnumerable<TimeSpan> LogTimes(string stderr, string text) =>
        stderr.Split('\n')
            .Where(l => l.Contains(text, StringComparison.Ordinal) && l.Length > 12)
            .Select(l => TimeSpan.ParseExact(l[..12], @"hh\:mm\:ss\.fff", CultureInfo.InvariantCulture));
}
