using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.EndToEnd.Tests.Reliability;

/// <summary>
/// Item 2: OK is a promise. A QoS 1 publish stream runs while the broker goes away twice and comes
/// back; every publish gets exactly one answer (OK or ERROR), and every OK'd message reaches an
/// independent subscriber. A PUBRAW that cannot complete ends with its FAIL line.
/// </summary>
public sealed class OutboundTruthTests(ITestOutputHelper output)
{
    public enum Stop
    {
        /// <summary>SIGTERM: mosquitto closes its connections and saves its persistence file.</summary>
        Graceful,

        /// <summary>SIGKILL: whatever mosquitto had not saved is gone with it.</summary>
        Killed,
    }

    [Theory]
    [InlineData(Stop.Graceful)]
    [InlineData(Stop.Killed)]
    public async Task Qos1Stream_ThroughBrokerRestarts_OkMeansDelivered_AndEveryPublishIsAnswered(Stop stop)
    {
        const int restarts = 2;
        const int okBetweenRestarts = 150;
        await using var broker = await MosquittoBroker.StartPersistentAsync();
        string topic = "truth/" + Guid.NewGuid().ToString("N")[..10];
        string subscriberId = "truth-sub-" + Guid.NewGuid().ToString("N")[..8];
        var subscriber = new Subscriber(broker.Port, subscriberId, topic);
        await subscriber.ConnectAsync();

        await using var modem = await LiveModem.StartAsync();
        await modem.ConnectLinkAsync("truth-" + Guid.NewGuid().ToString("N")[..10], broker.Port, reconnect: 1);

        int sent = 0, ok = 0, error = 0, disconnects = 0, connects = 0, done = 0;
        int okSinceRestart = 0;
        var oked = new List<(string Payload, int Epoch)>();
        Task? restart = null;
        var sw = Stopwatch.StartNew();
        while (done < restarts || restart is not null || okSinceRestart < okBetweenRestarts)
        {
            Assert.True(sw.Elapsed < TimeSpan.FromSeconds(90), $"The stream did not finish: {sent} sent, {ok} OK, {error} ERROR, {done} restarts. Stderr:\n{modem.Process.StdErr}");
            if (restart is null && done < restarts && okSinceRestart >= okBetweenRestarts)
            {
                restart = Task.Run(async () =>
                {
                    if (stop == Stop.Graceful)
                    {
                        await broker.RestartGracefullyAsync();
                    }
                    else
                    {
                        await broker.RestartAsync(); // SIGKILL, then start again
                    }

                    await subscriber.ReconnectAsync();
                });
            }
            else if (restart is { IsCompleted: true })
            {
                await restart;
                restart = null;
                done++;
                okSinceRestart = 0;
            }

            string payload = $"m-{sent}";
            string reply = await modem.CommandAsync($"AT+MQTTPUB=0,\"{topic}\",\"{payload}\",1,0", TimeSpan.FromSeconds(30));
            sent++;
            disconnects += Occurrences(reply, "+MQTTDISCONNECTED:0\r\n");
            connects += Occurrences(reply, "+MQTTCONNECTED:0,");
            if (reply.EndsWith("\r\nOK\r\n", StringComparison.Ordinal))
            {
                ok++;
                okSinceRestart++;
                oked.Add((payload, restart is null ? done : -1));
            }
            else if (reply.EndsWith("\r\nERROR\r\n", StringComparison.Ordinal))
            {
                error++;
                await Task.Delay(10); // down: no need to spin
            }
            else
            {
                Assert.Fail($"Publish {sent} got neither OK nor ERROR: \"{AtHost.Escape(reply)}\"");
            }
        }

        // Whatever lines are still on their way (the last URCs).
        string tail = await modem.Host.DrainAsync(TimeSpan.FromMilliseconds(500));
        disconnects += Occurrences(tail, "+MQTTDISCONNECTED:0\r\n");
        connects += Occurrences(tail, "+MQTTCONNECTED:0,");

        // Messages OK'd across a kill may die with the broker (it had not saved them); those OK'd
        // while the broker stayed up (after the last restart, or all of them with SIGTERM) must arrive.
        var mustArrive = oked.Where(o => stop == Stop.Graceful || o.Epoch == restarts).Select(o => o.Payload).ToList();
        var missing = await subscriber.MissingAsync(mustArrive, TimeSpan.FromSeconds(20));
        await subscriber.DisposeAsync();
        output.WriteLine($"{stop}: {sent} sent, {ok} OK, {error} ERROR; {disconnects} +MQTTDISCONNECTED, {connects} +MQTTCONNECTED; subscriber has {subscriber.Received.Count} distinct; {mustArrive.Count} must arrive, {missing.Count} missing");

        Assert.Equal(sent, ok + error);
        Assert.Equal(restarts, disconnects);
        Assert.Equal(restarts, connects);
        Assert.True(error > 0, "no publish met the broker down: the test did not exercise a restart");
        Assert.True(missing.Count == 0, $"OK'd but never delivered: {string.Join(", ", missing.Take(20))}");
    }

    [Theory]
    [InlineData("seed", "+MQTTPUBRAW:FAIL")]
    [InlineData("esp-at", "+MQTTPUB:FAIL")]
    public async Task PubRaw_WhoseBrokerDiesDuringTheDataPhase_EndsWithFail_AndTheUrcWaitsForIt(string dialect, string failLine)
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var modem = await LiveModem.StartAsync("--dialect", dialect, "--data-timeout", "30");
        await modem.OkAsync($"AT+MQTTUSERCFG=0,1,\"raw-{Guid.NewGuid():N}\",\"\",\"\",0,0,\"\"");
        string conn = $"AT+MQTTCONN=0,\"{FreePort.Host}\",{broker.Port},0";
        string connected = await modem.CommandAsync(conn);
        Assert.EndsWith("\r\nOK\r\n", connected);

        await modem.Host.SendAsync("AT+MQTTPUBRAW=0,\"raw/t\",5,1\r\n");
        Assert.Equal("AT+MQTTPUBRAW=0,\"raw/t\",5,1\r\n\r\nOK\r\n\r\n>", await modem.Host.ReadUntilAsync(">", LiveModem.Timeout));

        broker.Kill();
        await modem.Process.WaitForStdErrAsync("Connection lost", LiveModem.Timeout);

        // Never inside a data phase. What must not happen is asserted over a bounded quiet period: inside a
        // data phase no command can mark that the modem wrote all it would.
        await modem.AssertSilentAsync(TimeSpan.FromMilliseconds(300));
        await modem.Host.SendAsync("hello");
        await modem.ExpectBytesAsync($"\r\n{failLine}\r\n+MQTTDISCONNECTED:0\r\n");
        await modem.ExpectAsync("AT+MQTTPUB=0,\"raw/t\",\"x\",1,0", "\r\nERROR\r\n");
        await modem.OkAsync("AT");
    }

    private static int Occurrences(string text, string what)
    {
        int n = 0;
        for (int i = text.IndexOf(what, StringComparison.Ordinal); i >= 0; i = text.IndexOf(what, i + what.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    /// <summary>A persistent-session QoS 1 subscriber that reconnects after the broker restarts.</summary>
    private sealed class Subscriber(int port, string clientId, string topic) : IAsyncDisposable
    {
        private MqttProbe? _probe;

        public HashSet<string> Received { get; } = [];

        public async Task ConnectAsync()
        {
            var sw = Stopwatch.StartNew();
            while (true)
            {
                try
                {
                    _probe = await MqttProbe.ConnectAsync(FreePort.Host, port, clientId, cleanSession: false);
                    await _probe.SubscribeAsync(topic, 1); // kept by the session; again after a kill lost it
                    return;
                }
                catch (Exception) when (sw.Elapsed < TimeSpan.FromSeconds(15))
                {
                    if (_probe is not null)
                    {
                        await _probe.DisposeAsync();
                        _probe = null;
                    }

                    await Task.Delay(200);
                }
            }
        }

        public async Task ReconnectAsync()
        {
            Collect();
            if (_probe is not null)
            {
                await _probe.DisposeAsync();
            }

            _probe = null;
            await ConnectAsync();
        }

        public async Task<List<string>> MissingAsync(IReadOnlyList<string> expected, TimeSpan wait)
        {
            var sw = Stopwatch.StartNew();
            while (true)
            {
                Collect();
                var missing = expected.Where(p => !Received.Contains(p)).ToList();
                if (missing.Count == 0 || sw.Elapsed > wait)
                {
                    return missing;
                }

                await Task.Delay(200);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_probe is not null)
            {
                await _probe.DisposeAsync();
                _probe = null;
            }
        }

        private void Collect()
        {
            foreach (var m in _probe?.TakeAll() ?? [])
            {
                Received.Add(m.PayloadText);
            }
        }
    }
}
