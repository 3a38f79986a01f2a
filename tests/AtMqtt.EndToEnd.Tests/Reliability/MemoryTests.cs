using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
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

        // Warm up with a host that reads, so that the baseline has the code paths and buffers in place.
        for (int i = 0; i < 5000; i++)
        {
            await probe.PublishAsync(topic, payload, 0, retain: false);
        }

        await modem.Host.DrainAsync(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(20));
        await modem.DetachAsync();
        var silent = await modem.AttachSilentAsync();
        await Task.Delay(500);
        long baseline = modem.Rss();

        long peak = baseline;
        using var sampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peak = Math.Max(peak, modem.Rss());
                await Task.Delay(100);
            }
        });

        var sw = Stopwatch.StartNew();
        for (int i = 0; i < Flood; i++)
        {
            await probe.PublishAsync(topic, payload, 0, retain: false);
        }

        // A QoS 1 marker after the flood, never dropped: once the host reads it, the whole flood has
        // reached the modem (queued or dropped).
        await probe.PublishAsync(topic + "/end", "end", 1, retain: false);
        var flood = sw.Elapsed;
        await Task.Delay(2000);
        sampling.Cancel();
        await sampler;
        long end = modem.Rss();
        string figures = $"flood of {Flood} x {PayloadBytes} B in {flood.TotalSeconds:F1} s; RSS baseline {Mb(baseline)}, peak {Mb(peak)}, end {Mb(end)}";
        output.WriteLine(figures);
        Assert.True(peak - baseline < Margin, "The modem grew beyond the margin: " + figures);

        // Now the host reads: what the sockets and the queue held up to the marker, then the query.
        await using var reader = LiveModem.Reading(silent);
        var stream = new HostStream();
        long received = 0;
        bool marker = false;
        bool asked = false;
        string lines = "";
        var deadline = Stopwatch.StartNew();
        while (!lines.Contains("\r\nOK\r\n", StringComparison.Ordinal))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(60), $"No answer to AT+MQTTRXQUEUE? after {received} messages (marker: {marker}). Lines: {AtHost.Escape(lines)}");
            if (marker && !asked)
            {
                await reader.SendAsync("AT+MQTTRXQUEUE?\r\n");
                asked = true;
            }

            foreach (var item in stream.Feed(await reader.DrainAsync(TimeSpan.FromMilliseconds(300), TimeSpan.FromSeconds(2))))
            {
                if (item.Topic == topic)
                {
                    received++;
                }
                else if (item.IsMessage)
                {
                    Assert.Equal(topic + "/end", item.Topic);
                    marker = true;
                }
                else
                {
                    lines += item.Line + "\r\n";
                }
            }
        }

        var m = Regex.Match(lines, @"\+MQTTRXQUEUE:0,(\d+),1000,(\d+),\d+\r\n");
        Assert.True(m.Success, "AT+MQTTRXQUEUE? answered: " + AtHost.Escape(lines));
        long dropped = long.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture);
        output.WriteLine($"host read {received} after the flood; {dropped} dropped; sum {received + dropped} of {Flood}");
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
