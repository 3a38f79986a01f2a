using System.Diagnostics;
using System.Globalization;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.EndToEnd.Tests.Reliability;

/// <summary>
/// Item 6: a QoS 0 flood toward a host that never reads does not grow the modem beyond its bounded
/// queue: 200 000 messages of 200 bytes with --rx-queue 1000; the resident set may grow by a generous
/// 64 MB at most (the queue itself is about 1000 x 250 bytes, the rest is runtime slack).
/// </summary>
public sealed class MemoryTests(ITestOutputHelper output)
{
    private const int Flood = 200_000;
    private const int PayloadBytes = 200;
    private const long Margin = 64L * 1024 * 1024;

    [Fact]
    public async Task Qos0Flood_ToAHostThatNeverReads_KeepsTheModemFlat()
    {
        // Its own broker: the flood must not slow the other tests' broker.
        await using var broker = await MosquittoBroker.StartAsync();
        string topic = "flood/" + Guid.NewGuid().ToString("N")[..10];
        await using var modem = await LiveModem.StartAsync("--rx-queue", "1000");
        await modem.ConnectLinkAsync("flood-" + Guid.NewGuid().ToString("N")[..10], broker.Port);
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}\",0");
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}/end\",1");
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port);
        var payload = new byte[PayloadBytes];
        Array.Fill(payload, (byte)'p');

        // Warm up with a host that reads, so that the baseline has the code paths and buffers in place;
        // a QoS 1 marker ends the warm-up (once it is read, the modem has written everything before it).
        for (int i = 0; i < 5000; i++)
        {
            await probe.PublishAsync(topic, payload, 0, retain: false);
        }

        await probe.PublishAsync(topic + "/end", "warm", 1, retain: false);
        await modem.Host.ReadUntilAsync($"+MQTTSUBRECV:0,\"{topic}/end\",4,warm\r\n", TimeSpan.FromSeconds(30));

        // A host slowed down by a loaded machine may have let the warm-up fill the queue: those drops are not the flood's.
        await modem.Host.SendAsync(RxQueueStatus.Query + "\r\n");
        long droppedBefore = RxQueueStatus.Parse(await modem.Host.ReadUntilAsync("\r\nOK\r\n", LiveModem.Timeout)).Dropped;
        await modem.DetachAsync();
        var silent = await modem.AttachSilentAsync();
        long baseline = modem.Rss();
        await using var sampler = PeakSampler.Start(modem.Rss, TimeSpan.FromMilliseconds(100));

        var sw = Stopwatch.StartNew();
        for (int i = 0; i < Flood; i++)
        {
            await probe.PublishAsync(topic, payload, 0, retain: false);
        }

        // A QoS 1 marker after the flood, never dropped: once the host reads it, the whole flood has
        // reached the modem (queued or dropped). The resident set is watched until then.
        await probe.PublishAsync(topic + "/end", "end", 1, retain: false);
        var flood = sw.Elapsed;

        // Now the host reads: what the sockets and the queue held up to the marker, then the query.
        await using var reader = LiveModem.Reading(silent);
        var (messages, status) = await HostStream.ReadThroughMarkerAsync(reader, topic + "/end", TimeSpan.FromSeconds(60));
        long peak = await sampler.StopAsync();
        long end = modem.Rss();
        string figures = $"flood of {Flood} x {PayloadBytes} B in {flood.TotalSeconds:F1} s; RSS baseline {Mb(baseline)}, peak {Mb(peak)}, end {Mb(end)}";
        output.WriteLine(figures);
        Assert.True(peak - baseline < Margin, "The modem grew beyond the margin: " + figures);

        long received = messages.Count;
        long dropped = status.Dropped - droppedBefore;
        output.WriteLine($"host read {received} after the flood; {dropped} dropped (and {droppedBefore} in the warm-up); sum {received + dropped} of {Flood}");
        Assert.Equal(1000, status.Limit);
        Assert.True(dropped > 0, "nothing was dropped: the flood did not fill the queue");
        Assert.Contains("Receive queue full (1000 QoS 0 messages): message dropped", modem.Process.StdErr, StringComparison.Ordinal);

        // Logged as the first drop, then a summary at most every 5 s (and one after the flood), not per drop.
        int dropLines = modem.Process.StdErr.Split('\n').Count(l => l.Contains("Receive queue full", StringComparison.Ordinal));
        Assert.InRange(dropLines, 1, 2 + (int)(sw.Elapsed / TimeSpan.FromSeconds(5)));

        // Each message was either written or counted as dropped (mosquitto itself drops none here).
        Assert.Equal(Flood, received + dropped);
        await reader.SendAsync("AT\r\n");
        Assert.EndsWith("\r\nOK\r\n", await reader.ReadUntilAsync("\r\nOK\r\n", LiveModem.Timeout));
    }

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) + " MB";
}
