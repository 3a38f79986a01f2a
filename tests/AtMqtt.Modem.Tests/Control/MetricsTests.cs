using System.Globalization;
using System.Text.RegularExpressions;
using Xunit;

namespace AtMqtt.Modem.Tests.Control;

/// <summary>
/// GET /metrics on the real program's control port: the test makes known traffic (commands, errors, publishes
/// and receives at each QoS, a reconnection through a wifi-drop fault) and finds each count in the scrape,
/// exactly; bytes against what the host and a proxy in front of mosquitto saw.
/// </summary>
public sealed partial class MetricsTests(MosquittoFixture broker) : IClassFixture<MosquittoFixture>
{
    private static readonly TimeSpan Reconnection = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task Metrics_count_the_commands_errors_messages_bytes_and_reconnections_a_host_made()
    {
        await using var proxy = TcpProxy.Start(broker.Port);
        await using var api = await ControlApi.StartAsync();

        // Before any host: one modem, its link idle, nothing counted; the commands of the table are there at 0.
        var idle = await ScrapeAsync(api);
        Assert.Equal(1, idle.Value("atmqtt_modems"));
        Assert.Equal(0, idle.Value("atmqtt_hosts_attached"));
        Assert.Equal(1, idle.Value("atmqtt_links", ("phase", "idle")));
        Assert.Equal(0, idle.Value("atmqtt_links", ("phase", "connected")));
        Assert.Equal(0, idle.Value("atmqtt_commands_total"));
        Assert.Equal(0, idle.Value("atmqtt_commands_by_name_total", ("command", "AT+MQTTPUB")));
        Assert.Equal(0, idle.Value("atmqtt_commands_by_name_total", ("command", "unknown")));

        var topic = Unique.Topic("metrics");
        await using var probe = await broker.ProbeAsync();
        await probe.SubscribeAsync($"{topic}/up", 2);
        await using var host = await api.HostAsync();

        await host.OkAsync("AT");
        await host.OkAsync("AT");
        Assert.EndsWith("\r\nOK\r\n", await host.CommandAsync("AT+GMR"), StringComparison.Ordinal);

        // One line in two writes: its bytes are counted once, however the modem's reads cut them.
        await host.SendAsync("AT+G");
        await host.SendAsync("MR\r\n");
        await host.ReadUntilAsync("\r\nOK\r\n", ControlApi.Timeout);
        await host.ExpectAsync("AT+BOGUS", "\r\nERROR\r\n");
        await host.ExpectAsync($"AT+MQTTPUB=0,\"{topic}/up\",\"x\",3,0", "\r\nERROR\r\n");
        await host.ExpectAsync("AT+CWJAP=\"lab-ap\",\"wifi-password\"", "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n");
        await host.ConnectLinkAsync(Unique.Id("metrics"), proxy.Port, reconnect: 1);
        await host.OkAsync($"AT+MQTTSUB=0,\"{topic}\",2");
        for (int qos = 0; qos <= 2; qos++)
        {
            await host.OkAsync($"AT+MQTTPUB=0,\"{topic}/up\",\"up{qos}\",{qos},0");
            var up = await probe.NextAsync(ControlApi.Timeout);
            Assert.Equal(($"{topic}/up", $"up{qos}", qos), (up.Topic, up.PayloadText, up.Qos));
        }

        for (int qos = 0; qos <= 2; qos++)
        {
            await probe.PublishAsync(topic, $"down{qos}", qos);
            await host.ReadUntilAsync(LiveModem.SubRecv(topic, $"down{qos}"), ControlApi.Timeout);
        }

        await using (await api.Modem.FaultAsync(new FaultRequest("wifi-drop")))
        {
            await host.ReadUntilAsync("WIFI DISCONNECT\r\n+MQTTDISCONNECTED:0\r\n", ControlApi.Timeout);
        }

        await host.ReadUntilAsync("WIFI CONNECTED\r\nWIFI GOT IP\r\n", ControlApi.Timeout);
        await host.ReadUntilAsync(LiveModem.ConnectedUrc(proxy.Port, 1), Reconnection);

        // 13 command lines: AT x2, AT+GMR x2, AT+BOGUS, AT+MQTTPUB x4 (one refused), CWJAP, USERCFG, CONN, SUB.
        var expected = new Dictionary<string, double>
        {
            ["AT"] = 2,
            ["AT+GMR"] = 2,
            ["unknown"] = 1,
            ["AT+MQTTPUB"] = 4,
            ["AT+CWJAP"] = 1,
            ["AT+MQTTUSERCFG"] = 1,
            ["AT+MQTTCONN"] = 1,
            ["AT+MQTTSUB"] = 1,
            ["AT+MQTTCLEAN"] = 0,
        };

        // Counted where each thing happens, a moment before or after the host reads about it: the counts are
        // waited for, and the last scrape is shown if they never come.
        var m = await ScrapeUntilAsync(
            api,
            s => s.Value("atmqtt_host_bytes_total", ("direction", "sent")) == host.BytesReceived
                && s.Value("atmqtt_broker_bytes_total", ("direction", "received")) == proxy.BytesToClient
                && s.Value("atmqtt_broker_bytes_total", ("direction", "sent")) == proxy.BytesToBroker
                && s.Value("atmqtt_links", ("phase", "connected")) == 1
                && s.Value("atmqtt_reconnects_total") == 1,
            () => $"host read {host.BytesReceived} bytes, the proxy passed {proxy.BytesToClient} to the modem and {proxy.BytesToBroker} to the broker",
            Reconnection);
        Assert.Equal(1, m.Value("atmqtt_hosts_attached"));
        Assert.Equal(13, m.Value("atmqtt_commands_total"));
        foreach (var (command, count) in expected)
        {
            Assert.True(count == m.Value("atmqtt_commands_by_name_total", ("command", command)), $"{command}: {count} expected\n{m.Text}");
        }

        Assert.Equal(13, m.Sum("atmqtt_commands_by_name_total"));
        Assert.Equal(2, m.Value("atmqtt_command_errors_total"));
        for (int qos = 0; qos <= 2; qos++)
        {
            string q = qos.ToString(CultureInfo.InvariantCulture);
            Assert.Equal(1, m.Value("atmqtt_published_total", ("qos", q)));
            Assert.Equal(1, m.Value("atmqtt_received_total", ("qos", q)));
        }

        Assert.Equal(host.BytesSent, m.Value("atmqtt_host_bytes_total", ("direction", "received")));
        Assert.Equal(host.BytesReceived, m.Value("atmqtt_host_bytes_total", ("direction", "sent")));
        Assert.True(proxy.BytesToBroker > 0 && proxy.BytesToClient > 0);
        Assert.Equal(1, m.Value("atmqtt_links", ("phase", "connected")));
        Assert.Equal(0, m.Value("atmqtt_links", ("phase", "reconnecting")));
        Assert.Equal(0, m.Value("atmqtt_urc_queue_lines"));
        Assert.Equal(0, m.Value("atmqtt_urc_unacknowledged"));
        Assert.Equal(0, m.Value("atmqtt_urc_dropped_total"));

        // Summed over the modems: no series has a modem label.
        Assert.DoesNotContain("modem=", m.Text, StringComparison.Ordinal);
        await host.OkAsync("AT+MQTTCLEAN=0");
    }

    [Fact]
    public async Task Metrics_per_modem_label_each_modems_series_with_its_index_but_the_commands_by_name()
    {
        await using var api = await ControlApi.StartAsync("--metrics-per-modem");
        await using var host = await api.HostAsync();
        await host.OkAsync("AT");
        await host.ExpectAsync("AT+NOPE", "\r\nERROR\r\n");

        var m = await ScrapeUntilAsync(
            api,
            s => s.Value("atmqtt_host_bytes_total", ("modem", "0"), ("direction", "sent")) == host.BytesReceived,
            () => $"host read {host.BytesReceived} bytes",
            ControlApi.Timeout);
        Assert.Equal(1, m.Value("atmqtt_modems"));
        Assert.Equal(2, m.Value("atmqtt_commands_total", ("modem", "0")));
        Assert.Equal(1, m.Value("atmqtt_command_errors_total", ("modem", "0")));
        Assert.Equal(1, m.Value("atmqtt_hosts_attached", ("modem", "0")));
        Assert.Equal(1, m.Value("atmqtt_links", ("modem", "0"), ("phase", "idle")));
        Assert.Equal(host.BytesSent, m.Value("atmqtt_host_bytes_total", ("modem", "0"), ("direction", "received")));
        Assert.Equal(0, m.Value("atmqtt_published_total", ("modem", "0"), ("qos", "1")));

        // Every series but the modems' count and the commands by name carries the label; those never do.
        foreach (var sample in m.Samples)
        {
            bool labelled = sample.Labels.ContainsKey("modem");
            Assert.True(labelled == (sample.Name is not "atmqtt_modems" and not "atmqtt_commands_by_name_total"), $"{sample.Name} {string.Join(",", sample.Labels)}");
        }

        Assert.Equal(1, m.Value("atmqtt_commands_by_name_total", ("command", "AT")));
        Assert.Equal(1, m.Value("atmqtt_commands_by_name_total", ("command", "unknown")));
    }

    /// <summary>
    /// Scrapes until <paramref name="done"/> holds: each count is taken where its thing happens, a moment before
    /// or after the host or the proxy sees it. Fails after <paramref name="limit"/>, showing the last scrape.
    /// </summary>
    private static async Task<Scrape> ScrapeUntilAsync(ControlApi api, Func<Scrape, bool> done, Func<string> what, TimeSpan limit)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var scrape = await ScrapeAsync(api);
            if (done(scrape))
            {
                return scrape;
            }

            if (watch.Elapsed > limit)
            {
                throw new Xunit.Sdk.XunitException($"Not within {limit.TotalSeconds:0.#} s: {what()}; the last scrape:\n{scrape.Text}");
            }

            await Task.Delay(20);
        }
    }

    private static async Task<Scrape> ScrapeAsync(ControlApi api)
    {
        using var response = await api.Http.GetAsync("/metrics");
        Assert.Equal(200, (int)response.StatusCode);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());
        return Scrape.Parse(await response.Content.ReadAsStringAsync());
    }

    /// <summary>One sample line of the text format: <c>name{a="x",b="y"} value</c>.</summary>
    private sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>A scrape parsed by the text format's rules (comments and TYPE lines checked, samples by name and labels).</summary>
    private sealed partial record Scrape(string Text, IReadOnlyList<Sample> Samples)
    {
        public static Scrape Parse(string text)
        {
            var samples = new List<Sample>();
            var types = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
                {
                    var parts = line.Split(' ');
                    types[parts[2]] = parts[3];
                    continue;
                }

                if (line.StartsWith('#'))
                {
                    continue;
                }

                var match = SampleLine().Match(line);
                Assert.True(match.Success, $"not a sample line: {line}");
                var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(p => p.Groups[1].Value, p => p.Groups[2].Value, StringComparer.Ordinal);
                string name = match.Groups["name"].Value;
                Assert.True(types.ContainsKey(name), $"{name} has no TYPE line before it");
                Assert.Equal(name.EndsWith("_total", StringComparison.Ordinal) ? "counter" : "gauge", types[name]);
                samples.Add(new Sample(name, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture)));
            }

            return new Scrape(text, samples);
        }

        /// <summary>The value of the one sample of <paramref name="name"/> with exactly these labels; fails if there is none.</summary>
        public double Value(string name, params (string Key, string Value)[] labels)
        {
            var found = Samples.Where(s => s.Name == name && s.Labels.Count == labels.Length && labels.All(l => s.Labels.TryGetValue(l.Key, out var v) && v == l.Value)).ToList();
            Assert.True(found.Count == 1, $"{found.Count} samples of {name} {string.Join(",", labels)} in:\n{Text}");
            return found[0].Value;
        }

        public double Sum(string name) => Samples.Where(s => s.Name == name).Sum(s => s.Value);

        [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)$")]
        private static partial Regex SampleLine();

        [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
        private static partial Regex LabelPair();
    }
}
