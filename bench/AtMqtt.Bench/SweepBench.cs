using System.Diagnostics;
using System.Globalization;
using System.Text;
using AtMqtt.Bench.Harness;
using MQTTnet;

namespace AtMqtt.Bench;

/// <summary>One point of the sweep: <c>Path</c> publish or receive; <c>Method</c> PUB, PUBRAW or SUBRECV.</summary>
internal sealed record SweepRow(string Path, string Method, int Qos, int Size, double AtPerSec, double RawPerSec, double Ratio, double AtMBps, double RawMBps);

internal sealed record SweepSection(string Measured, string Modem, string Dialect, List<SweepRow> Rows, double LoadAverage = -1);

/// <summary>
/// Figure 7: payload sizes from 16 B to 64 KB, QoS 1, through AT+MQTTPUB (while the line fits in 256
/// bytes), AT+MQTTPUBRAW (esp-at dialect, --max-pubraw 65536) and +MQTTSUBRECV, each against raw MQTTnet.
/// </summary>
internal static class SweepBench
{
    public static readonly int[] PubSizes = [16, 64, 128, 200];
    public static readonly int[] RawSizes = [16, 64, 256, 1024, 4096, 16384, 65536];

    public static async Task<int> RunAsync(string[] argv)
    {
        var args = BenchArgs.Parse(argv);
        await using var broker = await BrokerHandle.StartAsync(args);
        var section = await MeasureAsync(args, broker);
        Results.Save("sweep", section, broker.Description);
        Report.WriteIfWanted(args);
        return 0;
    }

    public static async Task<SweepSection> MeasureAsync(BenchArgs args, BrokerHandle broker)
    {
        int qos = args.Int("qos", 1);
        var round = args.Round(0.3);
        int pairs = args.Int("rounds", args.Quick ? 3 : 5);
        var rows = new List<SweepRow>();
        await using var modem = await ModemEndpoint.StartAsync(args.ModemMode, new ModemSetup(EspAt: true, RxQueue: 20000));
        var raw = await RawMqtt.ConnectAsync(broker, "bench-sweep-raw");
        try
        {
            using (var host = modem.ConnectHost(broker, "bench-sweep-pub"))
            {
                foreach (int size in PubSizes)
                {
                    var payload = Payloads.Text(size);
                    var command = PublishBench.Command("bench/sweep", payload, qos);
                    var message = RawMqtt.Message("bench/sweep", payload, qos);
                    await PublishBench.AtRoundAsync(host, command, round / 3);
                    rows.Add(await PairsAsync("publish", "PUB", qos, size, pairs,
                        () => PublishBench.AtRoundAsync(host, command, round),
                        () => PublishBench.RawRoundAsync(raw, message, round)));
                }

                foreach (int size in RawSizes)
                {
                    var payload = Payloads.Binary(size);
                    var message = RawMqtt.Message("bench/sweep", payload, qos);
                    var command = Encoding.ASCII.GetBytes($"AT+MQTTPUBRAW=0,\"bench/sweep\",{size},{qos},0\r\n");
                    await PubRawRoundAsync(host, command, payload, round / 3);
                    rows.Add(await PairsAsync("publish", "PUBRAW", qos, size, pairs,
                        () => PubRawRoundAsync(host, command, payload, round),
                        () => PublishBench.RawRoundAsync(raw, message, round)));
                }
            }

            await using var stream = await ReceiveBench.Stream.OpenAsync(broker, modem, "sweep-rx");
            foreach (int size in RawSizes)
            {
                // About 4 MB or 5000 messages per round, whichever is fewer (at least 100).
                int n = Math.Clamp(4 * 1024 * 1024 / size, 100, args.Quick ? 1500 : 5000);
                var r = await stream.MeasureAsync(qos, Payloads.Binary(size), n, rounds: 3, warmUp: size == RawSizes[0]);
                rows.Add(Row("receive", "SUBRECV", qos, size, r.AtPerSec, r.RawPerSec, r.Ratio));
            }
        }
        finally
        {
            await RawMqtt.DisconnectAsync(raw);
        }

        foreach (var row in rows)
        {
            Console.WriteLine($"[sweep] {row.Path,-7} {row.Method,-7} {row.Size,6} B: AT {row.AtPerSec,8:F0}/s {row.AtMBps,7:F2} MB/s  raw {row.RawPerSec,8:F0}/s {row.RawMBps,7:F2} MB/s  ratio {row.Ratio:F3}");
        }

        return new SweepSection(DateTime.UtcNow.ToString("u"), modem.Kind, "esp-at", rows);
    }

    private static SweepRow Row(string path, string method, int qos, int size, double at, double raw, double? ratio = null) =>
        new(path, method, qos, size, Stats.Round(at, 0), Stats.Round(raw, 0), Stats.Round(ratio ?? at / raw), Stats.Round(at * size / 1e6), Stats.Round(raw * size / 1e6));

    /// <summary>Alternating rounds; medians of each side and the median of the per-pair ratios.</summary>
    private static async Task<SweepRow> PairsAsync(string path, string method, int qos, int size, int pairs, Func<Task<double>> at, Func<Task<double>> raw)
    {
        var ats = new List<double>();
        var raws = new List<double>();
        var ratios = new List<double>();
        for (int i = 0; i < pairs; i++)
        {
            raws.Add(await raw());
            ats.Add(await at());
            ratios.Add(ats[^1] / raws[^1]);
        }

        return Row(path, method, qos, size, Stats.Median(ats), Stats.Median(raws), Stats.Median(ratios));
    }

    /// <summary>Sequential PUBRAW as a host does it: command, wait for '>', the bytes, wait for the result line.</summary>
    private static Task<double> PubRawRoundAsync(AtClient host, byte[] command, byte[] payload, TimeSpan duration) => Blocking.Run(() =>
    {
        long count = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < duration)
        {
            host.Send(command);
            if (host.WaitForAny("\r\n>"u8, AtClient.Error) != 0)
            {
                throw new InvalidOperationException("AT+MQTTPUBRAW answered ERROR");
            }

            host.Send(payload);
            if (host.WaitForAny("+MQTTPUB:OK\r\n"u8, "+MQTTPUB:FAIL\r\n"u8) != 0)
            {
                throw new InvalidOperationException("AT+MQTTPUBRAW failed");
            }

            count++;
        }

        return count / sw.Elapsed.TotalSeconds;
    });

    public static string Size(int bytes) => bytes >= 1024 ? (bytes / 1024).ToString(CultureInfo.InvariantCulture) + " KB" : bytes.ToString(CultureInfo.InvariantCulture) + " B";
}
