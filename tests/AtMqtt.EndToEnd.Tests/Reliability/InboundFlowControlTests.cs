using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.EndToEnd.Tests.Reliability;

/// <summary>
/// Item 1: QoS 1/2 messages are acknowledged to the broker only once their +MQTTSUBRECV went to the
/// host channel; QoS 0 messages wait in a queue bounded by --rx-queue and past it are dropped,
/// counted, logged and shown by AT+MQTTRXQUEUE?.
/// </summary>
public sealed class InboundFlowControlTests(MosquittoFixture mosquitto, ITestOutputHelper output) : IClassFixture<MosquittoFixture>
{
    private const int PayloadBytes = 64 * 1024;

    /// <summary>mosquitto's max_inflight_messages in the tests' brokers: QoS 1 and 2 messages sent and not yet acknowledged.</summary>
    private const int InFlightWindow = 20;

    /// <summary>
    /// A host that stops reading: the modem's writes back up, so it must stop acknowledging. When the
    /// modem is then killed, every message is either in what that host can still read, or redelivered
    /// by the broker to the next modem of the same persistent session. Were messages acknowledged on
    /// receipt, those held in the modem's memory would die with it.
    /// </summary>
    [Fact]
    public async Task Qos1And2_AckedOnlyOnceWrittenToTheHost_SoAModemKillLosesNone()
    {
        const int count = 160; // 10 MB: more than the host socket, the modem's socket and the broker's in-flight window hold
        string clientId = "flow-" + Guid.NewGuid().ToString("N")[..10];
        string topic = "flow/" + Guid.NewGuid().ToString("N")[..10];
        const string connCfg = "AT+MQTTCONNCFG=0,60,1,\"\",\"\",0,0";

        var first = new HashSet<int>();
        await using (var proxy = TcpProxy.Start(mosquitto.Broker.Port))
        await using (var modem = await LiveModem.StartAsync())
        {
            await modem.ConnectLinkAsync(clientId, proxy.Port, connCfg: connCfg);
            await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}\",2");
            await modem.DetachAsync();
            var silent = await modem.AttachSilentAsync();

            await using (var probe = await MqttProbe.ConnectAsync(FreePort.Host, mosquitto.Broker.Port))
            {
                for (int i = 0; i < count; i++)
                {
                    await probe.PublishAsync(topic, Payload(i), 1 + (i % 2), retain: false);
                }
            }

            // Everything that can move has moved once the broker's in-flight window is full: as many
            // messages reached the modem as it completed (written to the stalled host) and a window more
            // (or all of them). Then pull the plug.
            await Poll.UntilAsync(
                () => proxy.PacketsToClient(Publish) >= Math.Min(count, Acknowledged(proxy) + InFlightWindow),
                () => $"{proxy.PacketsToClient(Publish)} messages reached the modem, {Acknowledged(proxy)} acknowledged",
                LiveModem.Timeout);
            modem.Process.Kill();
            await modem.Process.WaitForExitAsync(LiveModem.Timeout);

            // The first host reads what reached it before the modem died.
            await using var reader = LiveModem.Reading(silent);
            string text = await reader.DrainAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
            var stream = new HostStream();
            foreach (var item in stream.Feed(text).Where(i => i.IsMessage))
            {
                first.Add(Sequence(item, topic));
            }
        }

        Assert.True(first.Count < count - 20, $"The stalled host took {first.Count} of {count} messages: the test did not stall the modem.");

        var second = new HashSet<int>();
        await using (var modem = await LiveModem.StartAsync())
        {
            await modem.ConnectLinkAsync(clientId, mosquitto.Broker.Port, connCfg: connCfg);
            var stream = new HostStream();
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
            while (first.Union(second).Count() < count && DateTime.UtcNow < deadline)
            {
                string text = await modem.Host.DrainAsync(TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5));
                foreach (var item in stream.Feed(text).Where(i => i.IsMessage))
                {
                    second.Add(Sequence(item, topic));
                }
            }
        }

        var missing = Enumerable.Range(0, count).Except(first).Except(second).ToList();
        output.WriteLine($"first host read {first.Count}, the next session got {second.Count} (again or for the first time); missing {missing.Count}");
        Assert.True(missing.Count == 0, $"Lost {missing.Count} of {count}: {string.Join(",", missing.Take(30))}");
    }

    /// <summary>
    /// No host attached: with --rx-queue 10, of 60 QoS 0 messages exactly 10 wait and 50 are dropped,
    /// counted in AT+MQTTRXQUEUE? and logged; QoS 1 messages are never dropped, whatever the bound.
    /// </summary>
    [Fact]
    public async Task Qos0_PastTheBound_IsDroppedCountedAndLogged_WhileQos1IsKept()
    {
        const int limit = 10;
        const int qos0 = 60;
        const int qos1 = 30;
        string topic = "bound/" + Guid.NewGuid().ToString("N")[..10];
        await using var proxy = TcpProxy.Start(mosquitto.Broker.Port);
        await using var modem = await LiveModem.StartAsync("--rx-queue", limit.ToString(CultureInfo.InvariantCulture));
        await modem.ExpectAsync("AT+MQTTRXQUEUE?", $"+MQTTRXQUEUE:0,0,{limit},0,0\r\n\r\nOK\r\n");
        await modem.ConnectLinkAsync("bound-" + Guid.NewGuid().ToString("N")[..10], proxy.Port);
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}/0\",0");
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}/1\",1");
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}/end\",1");
        await modem.DetachAsync();

        await using (var probe = await MqttProbe.ConnectAsync(FreePort.Host, mosquitto.Broker.Port))
        {
            for (int i = 0; i < qos0; i++)
            {
                await probe.PublishAsync($"{topic}/0", $"zero-{i}", 0, retain: false);
            }

            // All of them reached the modem once its log gives the running count. No host is attached to
            // ask AT+MQTTRXQUEUE? (one would take the queued lines), so this waits for the summary of the
            // drops, which comes at most 5 s after the first.
            await modem.Process.WaitForStdErrAsync($", {qos0 - limit} dropped so far", TimeSpan.FromSeconds(30));

            // Then QoS 1, after the QoS 0 ones (the broker queues everything behind a full in-flight
            // window): 20 wait unacknowledged in the modem, the rest at the broker; a QoS 1 marker last.
            for (int i = 0; i < qos1; i++)
            {
                await probe.PublishAsync($"{topic}/1", $"one-{i}", 1, retain: false);
            }

            await probe.PublishAsync($"{topic}/end", "end", 1, retain: false);
        }

        await proxy.WaitForPacketsToClientAsync(Publish, qos0 + InFlightWindow, LiveModem.Timeout);
        await modem.AttachAsync(); // asserts that ready comes first

        // Everything the modem and the broker held, through the marker (anything kept beyond the bound
        // would come before it), then the counts.
        var (items, status) = await HostStream.ReadThroughMarkerAsync(modem.Host, $"{topic}/end", LiveModem.Timeout);
        var zeros = items.Where(i => i.Topic == $"{topic}/0").Select(i => i.Payload!).ToList();
        var ones = items.Where(i => i.Topic == $"{topic}/1").Select(i => i.Payload!).ToList();
        output.WriteLine($"QoS 0 written {zeros.Count} of {qos0}; QoS 1 written {ones.Count} of {qos1}; {status}");

        // Every QoS 1 message, once each, in order.
        Assert.Equal(Enumerable.Range(0, qos1).Select(i => $"one-{i}"), ones);

        // The first `limit` QoS 0 messages waited; the rest were dropped and counted.
        long dropped = status.Dropped;
        Assert.Equal(limit, status.Limit);
        Assert.Equal(qos0, zeros.Count + dropped);
        Assert.Equal(Enumerable.Range(0, limit).Select(i => $"zero-{i}"), zeros);
        Assert.Equal(qos0 - limit, dropped);

        // And logged with the running count: the first drop, then one summary (two if the drops
        // straddled the end of an interval), not a line per drop.
        Assert.Contains($", {qos0 - limit} dropped so far", modem.Process.StdErr, StringComparison.Ordinal);
        int dropLines = modem.Process.StdErr.Split('\n').Count(l => l.Contains("Receive queue full", StringComparison.Ordinal));
        Assert.InRange(dropLines, 2, 3);
    }

    private const int Publish = 3;

    /// <summary>Messages the modem has completed so far, as the broker's window counts them: PUBACK (QoS 1), PUBCOMP (QoS 2).</summary>
    private static int Acknowledged(TcpProxy proxy) => proxy.PacketsToBroker(4) + proxy.PacketsToBroker(7);

    private static byte[] Payload(int i)
    {
        var bytes = new byte[PayloadBytes];
        Array.Fill(bytes, (byte)('a' + (i % 26)));
        Encoding.ASCII.GetBytes(i.ToString("D6", CultureInfo.InvariantCulture) + ":").CopyTo(bytes, 0);
        return bytes;
    }

    private static int Sequence(HostItem item, string topic)
    {
        Assert.Equal(topic, item.Topic);
        Assert.Equal(PayloadBytes, item.Payload!.Length);
        int seq = int.Parse(item.Payload.AsSpan(0, 6), NumberStyles.None, CultureInfo.InvariantCulture);
        Assert.Equal(Encoding.Latin1.GetString(Payload(seq)), item.Payload);
        return seq;
    }
}
