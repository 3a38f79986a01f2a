using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AtMqtt.Core.Logging;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace AtMqtt.Core.Tests.Logging;

/// <summary>
/// A host that repeats a line as fast as it can must not be able to fill the disk with the modem's
/// log: each kind of line the modem logs is logged at most a few times per 5 s, whatever the flood.
/// </summary>
public class LogFloodTests
{
    private const int Flood = 3000;

    /// <summary>At most <paramref name="burst"/> lines, then one per 5 s while it lasts, and one summary after it.</summary>
    private static int Bound(TimeSpan elapsed, int burst = 1) => burst + (int)(elapsed / TimeSpan.FromSeconds(5)) + 1;

    public static TheoryData<string, string, string, int> Floods => new()
    {
        // the line, its whole response (echo off), what the modem logs about it, how many of those a window logs
        { new string('x', 300), "\r\nERROR\r\n", "Line longer than 256 bytes discarded", 1 },
        { "AT+MQTTUSERCFG=0,1,\"flood\",\"\",\"\",0,0,\"\"", "\r\nOK\r\n", "User config", 5 },
        { "AT+MQTTCONN=0,\"127.0.0.1\",1883,0", "+MQTTDISCONNECTED:0\r\n\r\nERROR\r\n", "AT+MQTTCONN failed: no Wi-Fi connection", 1 },
    };

    /// <summary>On the modem's clock (a fake one here): the flood's first lines, then one summary with the exact count.</summary>
    [Theory]
    [MemberData(nameof(Floods))]
    public async Task A_flood_of_one_line_is_logged_once_then_summed_up_with_the_exact_count(string line, string response, string logged, int burst)
    {
        var log = new LogCapture();
        var clock = new FakeTimeProvider();
        await using var s = await InMemoryModem.StartAsync(new ModemOptions { LoggerFactory = log, TimeProvider = clock, RequireWifi = true });
        await s.CommandAsync("AT+MQTTUSERCFG=0,1,\"flood\",\"\",\"\",0,0,\"\"", "\r\nOK\r\n");
        await s.CommandAsync("ATE0", "\r\nOK\r\n");
        clock.Advance(LogThrottle.DefaultInterval);
        int before = log.Count(logged);

        await s.SendAsync(Repeat(line + "\r\n", Flood));
        await s.ExpectAsync(Repeat(response, Flood), TimeSpan.FromSeconds(60));
        Assert.Equal(burst, log.Count(logged) - before);

        clock.Advance(LogThrottle.DefaultInterval);
        Assert.Equal(1, log.Count($"{logged}: {Flood - burst} more since the last such line"));
        Assert.Equal(burst + 1, log.Count(logged) - before);

        // Nothing more once the flood is over.
        clock.Advance(LogThrottle.DefaultInterval * 4);
        Assert.Equal(burst + 1, log.Count(logged) - before);
        await s.SendAsync("AT\r\n");
        await s.ExpectAsync("\r\nOK\r\n");
    }

    /// <summary>The link's refusals run on the real clock: bounded by the time the flood took.</summary>
    [Fact]
    public async Task A_flood_of_refused_subscriptions_logs_a_bounded_number_of_lines()
    {
        var log = new LogCapture();
        await using var s = await InMemoryModem.StartAsync(new ModemOptions { LoggerFactory = log });
        await s.CommandAsync("AT+MQTTUSERCFG=0,1,\"flood\",\"\",\"\",0,0,\"\"", "\r\nOK\r\n");
        await s.CommandAsync("ATE0", "\r\nOK\r\n");

        var watch = Stopwatch.StartNew();
        await s.SendAsync(Repeat("AT+MQTTSUB=0,\"t\",0\r\n", Flood));
        await s.ExpectAsync(Repeat("\r\nERROR\r\n", Flood), TimeSpan.FromSeconds(60));
        var elapsed = watch.Elapsed;
        int lines = log.Count("Subscribe to \"t\" refused");
        Assert.InRange(lines, 1, Bound(elapsed));
    }

    [Fact]
    public async Task Lines_and_long_lines_during_a_blocking_command_log_a_bounded_number_of_lines()
    {
        using var silent = new TcpListener(IPAddress.Loopback, 0);
        silent.Start();
        int port = ((IPEndPoint)silent.LocalEndpoint).Port;
        var log = new LogCapture();
        await using var s = await InMemoryModem.StartAsync(new ModemOptions { LoggerFactory = log });
        await s.UserConfigAsync("flood-busy");
        await s.CommandAsync("ATE0", "\r\nOK\r\n");
        await s.SendAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{port},0,60000\r\n");
        using var accepted = await silent.AcceptSocketAsync().WaitAsync(InMemoryModem.Timeout);
        int before = log.Lines.Count;

        var watch = Stopwatch.StartNew();
        await s.SendAsync(Repeat("AT\r\n" + new string('y', 300) + "\r\n", Flood));
        await s.ExpectAsync(Repeat("busy p...\r\n", 2 * Flood), TimeSpan.FromSeconds(60));
        var elapsed = watch.Elapsed;
        var lines = log.Lines.Skip(before).ToList();
        Assert.True(lines.Count <= 2 * Bound(elapsed), $"{lines.Count} log lines for {2 * Flood} lines in {elapsed}:\n{string.Join("\n", lines.Take(20))}");
    }

    private static string Repeat(string text, int count)
    {
        var all = new StringBuilder(text.Length * count);
        for (int i = 0; i < count; i++)
        {
            all.Append(text);
        }

        return all.ToString();
    }
}
