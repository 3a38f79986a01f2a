using System.Diagnostics;
using System.Text;
using AtMqtt.Bench.Harness;
using MQTTnet;

namespace AtMqtt.Bench;

internal sealed record LatencyRow(
    int Qos,
    int Samples,
    double AtP50Us,
    double AtP99Us,
    double RawP50Us,
    double RawP99Us,
    double RatioP50,
    double RatioP99,
    double[] AtPercentilesUs,
    double[] RawPercentilesUs);

internal sealed record LatencySection(string Measured, string Modem, int PayloadBytes, double[] Percentiles, List<LatencyRow> Rows, double LoadAverage = -1);

/// <summary>
/// Figure 3: one message at a time, AT+MQTTPUB written by the host → an independent MQTTnet subscriber
/// receives it, against a raw MQTTnet publish → the same subscriber. Samples alternate AT / raw.
/// </summary>
internal static class LatencyBench
{
    /// <summary>The percentiles kept for the plot.</summary>
    public static readonly double[] Percentiles = [.. Enumerable.Range(1, 99).Select(i => (double)i), 99.5, 99.9];

    public static async Task<int> RunAsync(string[] argv)
    {
        var args = BenchArgs.Parse(argv);
        await using var broker = await BrokerHandle.StartAsync(args);
        var section = await MeasureAsync(args, broker);
        Results.Save("latency", section, broker.Description);
        Report.WriteIfWanted(args);
        return 0;
    }

    public static async Task<LatencySection> MeasureAsync(BenchArgs args, BrokerHandle broker)
    {
        int samples = args.Int("samples", args.Quick ? 500 : 3000);
        int warmUp = Math.Max(100, samples / 10);
        await using var modem = await ModemEndpoint.StartAsync(args.ModemMode, new ModemSetup());
        using var host = modem.ConnectHost(broker, "bench-lat-at");
        var publisher = await RawMqtt.ConnectAsync(broker, "bench-lat-raw");
        var subscriber = await RawMqtt.ConnectAsync(broker, "bench-lat-sub");
        var arrivals = new long[samples + warmUp + 1];
        using var arrived = new SemaphoreSlim(0);
        subscriber.ApplicationMessageReceivedAsync += e =>
        {
            long now = Stopwatch.GetTimestamp();
            var seq = e.ApplicationMessage.Payload.FirstSpan[..10];
            arrivals[int.Parse(Encoding.ASCII.GetString(seq), System.Globalization.CultureInfo.InvariantCulture)] = now;
            arrived.Release();
            return Task.CompletedTask;
        };

        var rows = new List<LatencyRow>();
        try
        {
            foreach (int qos in new[] { 0, 1 })
            {
                await RawMqtt.SubscribeAsync(subscriber, $"bench/lat/{qos}/#", qos);
                var at = new List<double>();
                var raw = new List<double>();
                await Blocking.Run(() =>
                {
                    for (int i = 0; i < samples + warmUp; i++)
                    {
                        // AT: the clock starts as the host writes the command.
                        var payload = Payload(i);
                        var command = PublishBench.Command($"bench/lat/{qos}/at", payload, qos);
                        long t0 = Stopwatch.GetTimestamp();
                        host.Send(command);
                        if (!arrived.Wait(TimeSpan.FromSeconds(10)))
                        {
                            throw new TimeoutException("the subscriber did not receive an AT publish");
                        }

                        if (!host.WaitResult())
                        {
                            throw new InvalidOperationException("AT+MQTTPUB answered ERROR");
                        }

                        if (i >= warmUp)
                        {
                            at.Add(Stopwatch.GetElapsedTime(t0, arrivals[i]).TotalMicroseconds);
                        }

                        // Raw: the clock starts as the application calls PublishAsync.
                        var message = RawMqtt.Message($"bench/lat/{qos}/raw", payload, qos);
                        t0 = Stopwatch.GetTimestamp();
                        var result = publisher.PublishAsync(message).GetAwaiter().GetResult();
                        if (!result.IsSuccess || !arrived.Wait(TimeSpan.FromSeconds(10)))
                        {
                            throw new TimeoutException("the subscriber did not receive a raw publish");
                        }

                        if (i >= warmUp)
                        {
                            raw.Add(Stopwatch.GetElapsedTime(t0, arrivals[i]).TotalMicroseconds);
                        }
                    }

                    return 0;
                });

                await subscriber.UnsubscribeAsync(new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter($"bench/lat/{qos}/#").Build());
                var atSorted = at.Order().ToArray();
                var rawSorted = raw.Order().ToArray();
                double P(double[] s, double p) => Stats.Round(Stats.PercentileSorted(s, p), 1);
                var row = new LatencyRow(qos, samples, P(atSorted, 50), P(atSorted, 99), P(rawSorted, 50), P(rawSorted, 99),
                    Stats.Round(P(rawSorted, 50) / P(atSorted, 50)), Stats.Round(P(rawSorted, 99) / P(atSorted, 99)),
                    [.. Percentiles.Select(p => P(atSorted, p))], [.. Percentiles.Select(p => P(rawSorted, p))]);
                rows.Add(row);
                Console.WriteLine($"[latency] QoS {qos}: AT p50 {row.AtP50Us:F0} µs p99 {row.AtP99Us:F0} µs   raw p50 {row.RawP50Us:F0} µs p99 {row.RawP99Us:F0} µs");
            }
        }
        finally
        {
            await RawMqtt.DisconnectAsync(publisher);
            await RawMqtt.DisconnectAsync(subscriber);
        }

        return new LatencySection(DateTime.UtcNow.ToString("u"), modem.Kind, 64, Percentiles, rows);
    }

    /// <summary>64 bytes: a 10-digit sequence number, then letters.</summary>
    private static byte[] Payload(int seq)
    {
        var p = Payloads.Text(64);
        Encoding.ASCII.GetBytes(seq.ToString("D10", System.Globalization.CultureInfo.InvariantCulture), p);
        return p;
    }
}
