using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.EndToEnd.Tests.Reliability;

/// <summary>
/// Issue 11, item 2: memory per inbound message is bounded by <c>--max-message-bytes</c> (1 MiB by
/// default). A burst of messages just under the limit is delivered whole; 50 MB messages close the
/// connection on their header and are counted, and the modem's resident set stays near its baseline
/// (before the limit, one 50 MB message took it from 42 to 329 MB for good).
/// </summary>
public sealed class LargeMessageTests(ITestOutputHelper output)
{
    private const long Margin = 48L * 1024 * 1024;

    /// <summary>How long the figures are watched after the burst (docs/reliability.md uses 30 s).</summary>
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(
        double.Parse(Environment.GetEnvironmentVariable("ATMQTT_SETTLE_SECONDS") ?? "3", CultureInfo.InvariantCulture));

    [Fact]
    public async Task MessagesOverTheLimit_AreRefusedOnTheirHeader_AndTheModemStaysSmall()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        string topic = "big/" + Guid.NewGuid().ToString("N")[..10];
        await using var modem = await LiveModem.StartAsync();
        await modem.ConnectLinkAsync("big-" + Guid.NewGuid().ToString("N")[..10], broker.Port, reconnect: 1);
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}\",1");
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port);

        // Warm up, so that the baseline has the code paths in place.
        await probe.PublishAsync(topic, "warm", 1, retain: false);
        await modem.Host.ReadUntilAsync($"+MQTTSUBRECV:0,\"{topic}\",4,warm\r\n", LiveModem.Timeout);
        long baseline = modem.Rss();
        await using var sampler = PeakSampler.Start(modem.Rss, TimeSpan.FromMilliseconds(50));

        // Ten messages of 1 MiB less the topic: delivered whole, in order.
        int fits = (1 << 20) - topic.Length;
        var payload = new byte[fits];
        Array.Fill(payload, (byte)'b');
        for (int i = 0; i < 10; i++)
        {
            payload[0] = (byte)('0' + i);
            await probe.PublishAsync(topic, payload, 1, retain: false);
            var line = await modem.Host.ReadUntilAsync("\r\n", LiveModem.Timeout);
            Assert.True(line == $"+MQTTSUBRECV:0,\"{topic}\",{fits},{(char)('0' + i)}{new string('b', fits - 1)}\r\n", $"message {i} differs: {AtHost.Escape(line[..Math.Min(line.Length, 80)])}...");
        }

        // Three of 50 MB at QoS 0: each closes the connection on its header; reconnect=1 brings it back.
        var huge = new byte[50 * 1024 * 1024];
        for (int i = 0; i < 3; i++)
        {
            await RawPublisher.PublishAsync(broker.Port, topic, huge, LiveModem.Timeout);
            await modem.Host.ReadUntilAsync("+MQTTDISCONNECTED:0\r\n", LiveModem.Timeout);
            await modem.Host.ReadUntilAsync(LiveModem.ConnectedUrc(broker.Port, 1), TimeSpan.FromSeconds(40));
        }

        long afterBurst = modem.Rss();

        // An observation window, not a wait for an event: the figures are watched for a while after the burst.
        await Task.Delay(Settle);
        long peak = await sampler.StopAsync();
        long settled = modem.Rss();
        string figures = $"RSS baseline {Mb(baseline)}, peak {Mb(peak)}, after the burst {Mb(afterBurst)}, {Settle.TotalSeconds:0} s later {Mb(settled)}";
        output.WriteLine(figures);
        Assert.True(peak - baseline < Margin, "The modem grew beyond the margin: " + figures);

        string answer = await modem.CommandAsync("AT+MQTTRXQUEUE?");
        var m = Regex.Match(answer, @"\+MQTTRXQUEUE:0,\d+,\d+,\d+,(\d+)\r\n");
        Assert.True(m.Success, AtHost.Escape(answer));
        Assert.Equal("3", m.Groups[1].Value);
        Assert.Equal(3, modem.Process.StdErr.Split('\n').Count(l => l.Contains("more than --max-message-bytes 1048576", StringComparison.Ordinal) && l.Contains("Connection lost", StringComparison.Ordinal)));

        // Healthy afterwards: a small message still arrives.
        await probe.PublishAsync(topic, "after", 1, retain: false);
        await modem.Host.ReadUntilAsync($"+MQTTSUBRECV:0,\"{topic}\",5,after\r\n", LiveModem.Timeout);
    }

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) + " MB";
}
