using System.Diagnostics;
using System.Text;
using AtMqtt.Bench.Harness;

namespace AtMqtt.Bench;

/// <param name="RoundTrips">The step's time ÷ the loopback echo's in the same round, median over the rounds.</param>
internal sealed record BreakdownRow(string Step, double Us, double CpuUs, double WorkItems, double RoundTrips = double.NaN);

internal sealed record BreakdownSection(string Measured, int Qos, List<BreakdownRow> Rows, double LoadAverage = -1);

/// <summary>
/// A diagnosis, not a figure: where the time of one sequential AT+MQTTPUB goes, step by step, on an
/// in-process modem (the loopback round trip, a bare AT, commands that stop before the network, the
/// link's publish called directly, the whole command, raw MQTTnet). Each step is timed over the same
/// channel with the same host, in alternating short rounds; the medians are reported.
/// </summary>
internal static class BreakdownBench
{
    public static async Task<int> RunAsync(string[] argv)
    {
        var args = BenchArgs.Parse(argv);
        await using var broker = await BrokerHandle.StartAsync(args);
        Results.Save("breakdown", await MeasureAsync(args, broker), broker.Description);
        Report.WriteIfWanted(args);
        return 0;
    }

    public static async Task<BreakdownSection> MeasureAsync(BenchArgs args, BrokerHandle broker)
    {
        int qos = args.Int("qos", 0);
        int rounds = args.Int("rounds", args.Quick ? 2 : 5);
        var payload = Payloads.Text(64);
        var pub = PublishBench.Command(PublishBench.Topic, payload, qos);
        await using var modem = InProcessModem.Start(new ModemSetup());
        using var host = modem.ConnectHost(broker, "bench-breakdown");

        // The TCP channel's direct path (SocketHostPipe, TcpListenChannel.DirectReader), measured in the same rounds.
        await using var direct = InProcessModem.Start(new ModemSetup(DirectChannel: true));
        using var directHost = direct.ConnectHost(broker, "bench-breakdown-direct");
        await using var idle = InProcessModem.Start(new ModemSetup());
        using var idleHost = AtClient.Connect(idle.EndPoint);
        idleHost.WaitFor("ready\r\n"u8);
        idleHost.Command("ATE0");
        var raw = await RawMqtt.ConnectAsync(broker, "bench-breakdown-raw");
        var message = RawMqtt.Message(PublishBench.Topic, payload, qos);
        int N = args.Int("n", 3000);
        int only = args.Int("only", -1);
        using var echo = new RoundTrip();
        var steps = new (string Name, Func<Task> Run)[]
        {
            ("loopback echo of the command's size (floor)", () => Blocking.Run(() => echo.Batch(pub, N))),
            ("AT → OK", () => Sequential(host, "AT\r\n"u8.ToArray(), N)),
            ("AT → OK, through SocketHostPipe (DirectReader)", () => Sequential(directHost, "AT\r\n"u8.ToArray(), N)),
            ("AT+SYSLOG? → +SYSLOG:0, OK (query, not blocking)", () => Sequential(host, "AT+SYSLOG?\r\n"u8.ToArray(), N)),
            ("AT+MQTTPUB, link down → ERROR (blocking command, everything but the network)", () => Sequential(idleHost, pub, N, expectError: true)),
            ($"MqttLink.PublishAsync QoS {qos} called directly (no host, no parser)", async () =>
            {
                for (int i = 0; i < N; i++)
                {
                    await modem.Modem.Link.PublishAsync(PublishBench.Topic, payload, qos, false, TimeSpan.FromSeconds(15));
                }
            }),
            ($"AT+MQTTPUB QoS {qos} → OK (the whole command)", () => Sequential(host, pub, N)),
            ($"AT+MQTTPUB QoS {qos} → OK, through SocketHostPipe (DirectReader)", () => Sequential(directHost, pub, N)),
            ($"floor of a host that waits: echo round trip, then raw MQTTnet PublishAsync QoS {qos}, alternating", () => Blocking.Run(() =>
            {
                for (int i = 0; i < N; i++)
                {
                    echo.Batch(pub, 1);
                    raw.PublishAsync(message).GetAwaiter().GetResult();
                }

                return 0;
            })),
            ($"raw MQTTnet PublishAsync QoS {qos}", async () =>
            {
                for (int i = 0; i < N; i++)
                {
                    await raw.PublishAsync(message);
                }
            }),
        };

        var samples = steps.Select(_ => new List<(double Us, double Cpu, double Items, double RoundTrips)>()).ToArray();
        using var self = Process.GetCurrentProcess();
        for (int r = -1; r < rounds; r++)
        {
            double echoUs = double.NaN;
            for (int s = 0; s < steps.Length; s++)
            {
                if (only >= 0 && s != only && s != 0)
                {
                    continue;
                }

                self.Refresh();
                var cpu = self.TotalProcessorTime;
                long items = ThreadPool.CompletedWorkItemCount;
                var sw = Stopwatch.StartNew();
                await steps[s].Run();
                double us = sw.Elapsed.TotalMicroseconds / N;
                self.Refresh();
                if (s == 0)
                {
                    echoUs = us;
                }

                if (r >= 0)
                {
                    samples[s].Add((us, (self.TotalProcessorTime - cpu).TotalMicroseconds / N, (ThreadPool.CompletedWorkItemCount - items) / (double)N, us / echoUs));
                }
            }
        }

        var rows = new List<BreakdownRow>();
        for (int s = 0; s < steps.Length; s++)
        {
            if (samples[s].Count == 0)
            {
                continue;
            }

            var row = new BreakdownRow(steps[s].Name, Stats.Round(Stats.Median([.. samples[s].Select(x => x.Us)]), 1),
                Stats.Round(Stats.Median([.. samples[s].Select(x => x.Cpu)]), 1), Stats.Round(Stats.Median([.. samples[s].Select(x => x.Items)]), 2),
                Stats.Round(Stats.Median([.. samples[s].Select(x => x.RoundTrips)]), 2));
            rows.Add(row);
            Console.WriteLine($"[breakdown] {row.Us,7:F1} µs  {row.RoundTrips,5:F2} round trips  {row.CpuUs,7:F1} µs CPU  {row.WorkItems,5:F2} pool items  {row.Step}  (rounds: {string.Join(" / ", samples[s].Select(x => x.Us.ToString("F1", System.Globalization.CultureInfo.InvariantCulture)))} µs)");
        }

        await RawMqtt.DisconnectAsync(raw);
        return new BreakdownSection(DateTime.UtcNow.ToString("u"), qos, rows);
    }

    private static Task Sequential(AtClient host, byte[] command, int n, bool expectError = false) => Blocking.Run(() =>
    {
        for (int i = 0; i < n; i++)
        {
            host.Send(command);
            if (host.WaitResult() == expectError)
            {
                throw new InvalidOperationException($"unexpected result for {Encoding.ASCII.GetString(command).Trim()}");
            }
        }

        return 0;
    });
}
