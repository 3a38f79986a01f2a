using System.Collections.Concurrent;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.EndToEnd.Tests.Reliability;

/// <summary>
/// Issue 11, item 9: QoS 2 in is exactly once across broker restarts. A QoS 2 stream flows from an
/// independent publisher to the host through a persistent session while mosquitto (persistence on,
/// saved at every change before a SIGKILL, and the publisher pauses first) is restarted three times in the
/// middle of it, while deliveries to the modem flow: every message the broker
/// acknowledged (PUBCOMP) reaches the host, and none reaches it twice, although mosquitto, restarted
/// from its file, sends again as DUP PUBLISHes messages whose PUBREL it had already sent.
/// </summary>
public sealed class InboundExactlyOnceTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(OutboundTruthTests.Stop.Graceful)]
    [InlineData(OutboundTruthTests.Stop.Killed)]
    public async Task Qos2In_ThroughBrokerRestarts_ReachesTheHostExactlyOnce(OutboundTruthTests.Stop stop)
    {
        const int restarts = 3;
        // Saving at every change is for the kill: a graceful stop saves anyway, and a save per message rewrites
        // the whole store each time, which on a loaded machine slowed the publisher past its limit.
        await using var broker = await MosquittoBroker.StartPersistentAsync(autosaveEverySecond: stop == OutboundTruthTests.Stop.Killed);
        string topic = "once/" + Guid.NewGuid().ToString("N")[..10];
        await using var modem = await LiveModem.StartAsync();
        await modem.ConnectLinkAsync("once-" + Guid.NewGuid().ToString("N")[..10], broker.Port, reconnect: 1, connCfg: "AT+MQTTCONNCFG=0,10,1,\"\",\"\",0,0");
        await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}\",2");

        var received = new ConcurrentDictionary<string, int>();
        var hostStream = new HostStream();
        using var stopReading = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            while (!stopReading.IsCancellationRequested)
            {
                foreach (var item in hostStream.Feed(await modem.Host.DrainAsync(TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500))))
                {
                    if (item.IsMessage)
                    {
                        received.AddOrUpdate(item.Payload!, 1, (_, n) => n + 1);
                    }
                }
            }
        });

        // The publisher: QoS 2, one at a time; what the broker completed (PUBCOMP) must arrive once.
        var completed = new ConcurrentBag<string>();

        // Each completed message with the number of restarts done when it completed: a kill may lose what the
        // broker completed before it, so only what completed since the last restart must reach the host.
        var completedSince = new ConcurrentBag<(string Payload, int Restarts)>();
        var completedSteady = new ConcurrentBag<string>(); // after the last restart
        int restartsDone = 0;
        int attempted = 0;

        // Closed for a moment before a SIGKILL, so that mosquitto's file holds every message it
        // completed: what it acknowledges in its last milliseconds is lost by mosquitto itself.
        Task publishing = Task.CompletedTask;
        using var stopPublishing = new CancellationTokenSource();
        var publisher = Task.Run(async () =>
        {
            MqttProbe? probe = null;
            try
            {
                while (!stopPublishing.IsCancellationRequested)
                {
                    await Volatile.Read(ref publishing);
                    try
                    {
                        probe ??= await MqttProbe.ConnectAsync(FreePort.Host, broker.Port);
                        string payload = $"m{attempted++:D6}";
                        await probe.PublishAsync(topic, payload, 2);
                        completed.Add(payload);
                        completedSince.Add((payload, Volatile.Read(ref restartsDone)));
                        if (Volatile.Read(ref restartsDone) == restarts)
                        {
                            completedSteady.Add(payload);
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !stopPublishing.IsCancellationRequested)
                    {
                        // The broker is restarting: connect again.
                        if (probe is not null)
                        {
                            await probe.DisposeAsync();
                            probe = null;
                        }

                        await Task.Delay(100);
                    }
                }
            }
            finally
            {
                if (probe is not null)
                {
                    await probe.DisposeAsync();
                }
            }
        });

        for (int i = 0; i < restarts; i++)
        {
            await Poll.UntilAsync(() => completed.Count >= (i + 1) * 150, $"150 more messages before restart {i + 1}", TimeSpan.FromSeconds(90));
            if (stop == OutboundTruthTests.Stop.Graceful)
            {
                await broker.RestartGracefullyAsync();
            }
            else
            {
                var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref publishing, paused.Task);

                // Every message completed so far reaches the host first (on a loaded machine the modem may still
                // be writing a backlog, and acknowledges each only once written). Then a pause longer than
                // mosquitto's own save schedule (every change, in its loop, at least every second) lets it save
                // those completed flows before the kill: without both, the kill may take the broker back to
                // before a PUBCOMP, and it sends that PUBLISH again as a new one (its crash window, not the modem's).
                int phase = i;
                var sent = completedSince.Where(c => c.Restarts == phase).Select(c => c.Payload).ToList();
                await Poll.UntilAsync(() => sent.All(received.ContainsKey), "the messages completed since the last restart at the host", TimeSpan.FromSeconds(60));
                await Task.Delay(1500);
                await broker.RestartAsync(); // SIGKILL, then start again
                Volatile.Write(ref publishing, Task.CompletedTask);
                paused.SetResult();
            }

            Interlocked.Increment(ref restartsDone);
        }

        await Poll.UntilAsync(() => completed.Count >= (restarts + 1) * 150, "150 messages after the last restart", TimeSpan.FromSeconds(90));
        await stopPublishing.CancelAsync();
        await publisher;
        // A SIGKILLed mosquitto loses what it completed but had not yet saved (autosave runs in its
        // loop, not before PUBCOMP): the broker's crash window, not the modem's. There, what must arrive
        // is what the broker completed after the last restart; duplicates are never allowed.
        var mustArrive = stop == OutboundTruthTests.Stop.Graceful ? completed.ToHashSet() : completedSteady.ToHashSet();
        await Poll.UntilAsync(() => mustArrive.All(received.ContainsKey), "every completed message at the host", TimeSpan.FromSeconds(60));

        // A marker after everything: the broker redelivers what it holds before anything newer, so a late
        // duplicate would reach the host before the marker does.
        await using (var marker = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port))
        {
            await marker.PublishAsync(topic, "marker", 2);
        }

        await Poll.UntilAsync(() => received.ContainsKey("marker"), "the marker at the host", TimeSpan.FromSeconds(60));
        await stopReading.CancelAsync();
        await reader;

        var duplicates = received.Where(kv => kv.Value > 1).Select(kv => $"{kv.Key} x{kv.Value}").ToList();
        output.WriteLine($"{stop}: {attempted} attempted, {completed.Count} completed by the broker ({mustArrive.Count} required), {received.Count} distinct at the host, {duplicates.Count} duplicated");
        Assert.True(duplicates.Count == 0, "Delivered more than once: " + string.Join(", ", duplicates.Take(20)) + "\n" + modem.Process.StdErr);
    }
}
