using System.Globalization;
using AtMqtt.Bench.Harness;
using AtMqtt.Testing;

namespace AtMqtt.Bench;

/// <summary>One figure of the control bench: the rate with --control off and on, per round, and on/off.</summary>
internal sealed record ControlRow(string What, double OffPerSec, double OnPerSec, double Ratio, double[] OffRounds, double[] OnRounds);

internal sealed record ControlSection(string When, string Modem, bool Watcher, int Rounds, long SseBytes, IReadOnlyList<ControlRow> Rows);

/// <summary>
/// Issue 14's "Measured": the control API must not slow the byte path. Two atmqtt processes side by
/// side, one without --control and one with it and an SSE client reading /api/events throughout (every
/// line is then redacted and published: the realistic worst case). Rounds alternate off/on (the order
/// flips each round), so both see the same machine load; the ratio is the median of the per-round
/// on/off ratios.
/// </summary>
internal static class ControlBench
{
    public static async Task<int> RunAsync(string[] argv)
    {
        var args = BenchArgs.Parse(argv);
        await using var broker = await BrokerHandle.StartAsync(args);
        int rounds = args.Int("rounds", args.Quick ? 4 : 8);
        var round = args.Round(1.5);
        int n = args.Int("n", args.Quick ? 2000 : 5000);
        int controlPort = FreePort.Get();

        await using var off = await ModemEndpoint.StartAsync("process", new ModemSetup(RxQueue: n + 16));
        await using var on = await ModemEndpoint.StartAsync("process", new ModemSetup(RxQueue: n + 16, ProgramArgs: ["--control", $"127.0.0.1:{controlPort}"]));
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{controlPort}"), Timeout = Timeout.InfiniteTimeSpan };
        using var stop = new CancellationTokenSource();
        long sseBytes = 0;
        // --watch 0: --control on, nobody watching (the byte path's cost of the option alone).
        bool watch = args.Int("watch", 1) != 0;
        using var response = watch ? await OpenEventsAsync(http) : null;
        var body = response is null ? System.IO.Stream.Null : await response.Content.ReadAsStreamAsync();
        // The program says when its line events fell behind the channel and dropped bytes (LineEvents): counted.
        long droppedNotes = 0;
        var watcher = Task.Run(async () =>
        {
            byte[] note = "\"name\":\"lines\",\"value\":\"dropped\""u8.ToArray();
            var buffer = new byte[16384 + 64];
            int carry = 0;
            try
            {
                int read;
                while ((read = await body.ReadAsync(buffer.AsMemory(carry, 16384), stop.Token)) > 0)
                {
                    Interlocked.Add(ref sseBytes, read);
                    var span = buffer.AsSpan(0, carry + read);
                    for (int at; (at = span.IndexOf(note)) >= 0; span = span[(at + note.Length)..])
                    {
                        Interlocked.Increment(ref droppedNotes);
                    }

                    // The tail, in case a note straddles two reads.
                    carry = Math.Min(span.Length, note.Length - 1);
                    span[^carry..].CopyTo(buffer);
                }
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException)
            {
            }
        });

        var rows = new List<ControlRow>();
        var payload = Payloads.Text(64);
        using (var offHost = off.ConnectHost(broker, "bench-ctl-off"))
        using (var onHost = on.ConnectHost(broker, "bench-ctl-on"))
        {
            foreach (int qos in new[] { 0, 1 })
            {
                var command = PublishBench.Command(PublishBench.Topic, payload, qos);
                await PublishBench.AtRoundAsync(offHost, command, round / 2);
                await PublishBench.AtRoundAsync(onHost, command, round / 2);
                rows.Add(await PairedAsync($"publish QoS {qos} (AT+MQTTPUB/s)", rounds, () => PublishBench.AtRoundAsync(offHost, command, round), () => PublishBench.AtRoundAsync(onHost, command, round)));
            }
        }

        await using (var offStream = await ReceiveBench.Stream.OpenAsync(broker, off, "ctl-off-" + watch))
        await using (var onStream = await ReceiveBench.Stream.OpenAsync(broker, on, "ctl-on-" + watch))
        {
            var binary = Payloads.Binary(64);
            foreach (int qos in new[] { 0, 1 })
            {
                await offStream.MeasureAsync(qos, binary, Math.Max(100, n / 4), 1, warmUp: false);
                await onStream.MeasureAsync(qos, binary, Math.Max(100, n / 4), 1, warmUp: false);
                rows.Add(await PairedAsync(
                    $"receive QoS {qos} (+MQTTSUBRECV/s)",
                    rounds,
                    async () => (await offStream.MeasureAsync(qos, binary, n, 1, warmUp: false)).AtPerSec,
                    async () => (await onStream.MeasureAsync(qos, binary, n, 1, warmUp: false)).AtPerSec));
            }
        }

        await stop.CancelAsync();
        await watcher.WaitAsync(TimeSpan.FromSeconds(5)).ContinueWith(_ => { });
        var section = new ControlSection(DateTime.UtcNow.ToString("u"), on.Kind, watch, rounds, Interlocked.Read(ref sseBytes), rows);
        Console.WriteLine($"[control] SSE watcher read {section.SseBytes} bytes of events during the 'on' runs; line events dropped (lines=dropped notes): {Interlocked.Read(ref droppedNotes)}");
        Results.Save(watch ? "control" : "control-unwatched", section, broker.Description);
        return 0;
    }

    /// <summary>The host socket listens before Kestrel has started: retry until the control API answers.</summary>
    private static async Task<HttpResponseMessage> OpenEventsAsync(HttpClient http)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                var response = await http.GetAsync("/api/events", HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                return response;
            }
            catch (HttpRequestException) when (attempt < 200)
            {
                await Task.Delay(100);
            }
        }
    }

    private static async Task<ControlRow> PairedAsync(string what, int rounds, Func<Task<double>> off, Func<Task<double>> on)
    {
        var offRates = new List<double>();
        var onRates = new List<double>();
        var ratios = new List<double>();
        for (int r = 0; r < rounds; r++)
        {
            // The order flips each round: neither side always runs second, on a warmer (or busier) machine.
            if (r % 2 == 0)
            {
                offRates.Add(await off());
                onRates.Add(await on());
            }
            else
            {
                onRates.Add(await on());
                offRates.Add(await off());
            }

            ratios.Add(onRates[^1] / offRates[^1]);
        }

        var row = new ControlRow(what, Stats.Round(Stats.Median(offRates), 0), Stats.Round(Stats.Median(onRates), 0), Stats.Round(Stats.Median(ratios)), [.. offRates.Select(v => Stats.Round(v, 0))], [.. onRates.Select(v => Stats.Round(v, 0))]);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[control] {what}: off {row.OffPerSec,8:F0}  on {row.OnPerSec,8:F0}  on/off {row.Ratio:F3}  (per round on/off: {string.Join(" ", ratios.Select(x => x.ToString("F3", CultureInfo.InvariantCulture)))})"));
        return row;
    }
}
