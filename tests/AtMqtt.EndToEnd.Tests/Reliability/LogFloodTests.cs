using System.Diagnostics;
using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.EndToEnd.Tests.Reliability;

/// <summary>
/// A QoS 0 flood toward a host that does not read must not fill the disk with the modem's log: the
/// first drop is logged, then a summary with the running count at most every 5 s, and one more after
/// the flood; the exact count is AT+MQTTRXQUEUE?'s. <c>ATMQTT_LOG_FLOOD_SECONDS</c> sets the length of
/// the flood (default 10).
/// </summary>
public sealed class LogFloodTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Qos0Flood_AtAHostThatDoesNotRead_LogsABoundedNumberOfDropLines_WhileTheCountStaysExact()
    {
        var duration = TimeSpan.FromSeconds(double.Parse(Environment.GetEnvironmentVariable("ATMQTT_LOG_FLOOD_SECONDS") ?? "10", CultureInfo.InvariantCulture));

        // Its own broker: the flood must not slow the other tests' broker.
        await using var broker = await MosquittoBroker.StartAsync();
        string topic = "logflood/" + Guid.NewGuid().ToString("N")[..10];
        await using var modem = await LiveModem.StartAsync("--rx-queue", "100");
        await modem.ConnectLinkAsync("logflood-" + Guid.NewGuid().ToString("N")[..10], broker.Port);
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}\",0");
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}/end\",1");
        await modem.DetachAsync();
        var silent = await modem.AttachSilentAsync();
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port);
        var payload = new byte[100];
        Array.Fill(payload, (byte)'f');

        int logStart = modem.Process.StdErr.Length;
        var watch = Stopwatch.StartNew();
        long sent = 0;
        while (watch.Elapsed < duration)
        {
            await probe.PublishAsync(topic, payload, 0, retain: false);
            sent++;
        }

        // A QoS 1 marker, never dropped: once the host has read it, every message of the flood has
        // reached the modem and been queued or dropped.
        await probe.PublishAsync(topic + "/end", "end", 1, retain: false);
        var flood = watch.Elapsed;

        // The host reads again: what the sockets and the queue held, then the exact count.
        await using var reader = LiveModem.Reading(silent);
        var (messages, status) = await HostStream.ReadThroughMarkerAsync(reader, topic + "/end", TimeSpan.FromSeconds(60));
        long received = messages.Count;
        long dropped = status.Dropped;
        Assert.All(messages, m => Assert.Equal(topic, m.Topic));
        output.WriteLine($"flood of {sent} QoS 0 messages in {flood.TotalSeconds:F1} s: {received} written, {dropped} dropped");
        Assert.True(dropped > 0, "nothing was dropped: the flood did not fill the queue");
        Assert.Equal(sent, received + dropped);

        // Within one interval after the flood, a summary gives the exact count.
        await modem.Process.WaitForStdErrAsync($", {dropped} dropped so far", Interval * 3);
        var elapsed = watch.Elapsed;
        string log = modem.Process.StdErr[logStart..];
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        int dropLines = lines.Count(l => l.Contains("Receive queue full", StringComparison.Ordinal));
        output.WriteLine($"log since the flood began ({elapsed.TotalSeconds:F1} s): {lines.Length} lines, {log.Length} bytes; {dropLines} about dropped messages");
        foreach (var line in lines.Take(12))
        {
            output.WriteLine("  " + line);
        }

        Assert.InRange(dropLines, 1, 2 + (int)(elapsed / Interval));
    }
}
