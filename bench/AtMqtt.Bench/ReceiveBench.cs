using System.Diagnostics;
using AtMqtt.Bench.Harness;
using MQTTnet;

namespace AtMqtt.Bench;

internal sealed record ReceiveRow(
    int Qos,
    int PayloadBytes,
    int Messages,
    double AtPerSec,
    double RawPerSec,
    double Ratio,
    double AtMs,
    double RawMs,
    long Dropped,
    double[] AtRoundsMs,
    double[] RawRoundsMs);

internal sealed record ReceiveSection(string Measured, string Modem, int RxQueue, List<ReceiveRow> Rows, double LoadAverage = -1);

/// <summary>
/// Figure 2: N messages published (as fast as one MQTTnet publisher takes them, 64 in flight) to a
/// topic the modem subscribes; the time until the host has read all N +MQTTSUBRECV lines, against a
/// raw MQTTnet subscriber of the same stream (same publisher, same procedure, its own topic).
/// </summary>
internal static class ReceiveBench
{

    public static async Task<int> RunAsync(string[] argv)
    {
        var args = BenchArgs.Parse(argv);
        await using var broker = await BrokerHandle.StartAsync(args);
        var section = await MeasureAsync(args, broker);
        Results.Save("receive", section, broker.Description);
        Report.WriteIfWanted(args);
        return 0;
    }

    public static async Task<ReceiveSection> MeasureAsync(BenchArgs args, BrokerHandle broker)
    {
        int n = args.Int("n", args.Quick ? 3000 : 10000);
        var payload = Payloads.Binary(64);
        var rows = new List<ReceiveRow>();
        // The QoS 0 queue holds the whole stream, so that the figure is throughput, not loss
        // (--rx-queue N on the program); drops are still counted and reported.
        var setup = new ModemSetup(RxQueue: n + 16);
        await using var modem = await ModemEndpoint.StartAsync(args.ModemMode, setup);
        await using var stream = await Stream.OpenAsync(broker, modem, "rx");
        foreach (int qos in args.Str("qos", "0,1").Split(',').Select(q => int.Parse(q, System.Globalization.CultureInfo.InvariantCulture)))
        {
            rows.Add(await stream.MeasureAsync(qos, payload, n, args.Int("rounds", args.Quick ? 3 : 5), warmUp: true));
            var row = rows[^1];
            Console.WriteLine($"[receive] QoS {qos}: AT {row.AtPerSec,8:F0}/s ({row.AtMs:F0} ms)  raw {row.RawPerSec,8:F0}/s ({row.RawMs:F0} ms)  ratio {row.Ratio:F3}  dropped {row.Dropped}");
        }

        return new ReceiveSection(DateTime.UtcNow.ToString("u"), modem.Kind, setup.RxQueue, rows);
    }

    /// <summary>A publisher, a modem host subscribed to one topic and a raw subscriber to another.</summary>
    internal sealed class Stream : IAsyncDisposable
    {
        private readonly IMqttClient _publisher;
        private readonly IMqttClient _raw;
        private readonly AtClient _host;
        private readonly ModemEndpoint _modem;
        private readonly string _atTopic;
        private readonly string _rawTopic;
        private readonly HashSet<int> _atQos = [];
        private readonly HashSet<int> _rawQos = [];
        private int _rawCount;
        private int _rawTarget = int.MaxValue;
        private TaskCompletionSource<long> _rawDone = new();

        private Stream(IMqttClient publisher, IMqttClient raw, AtClient host, ModemEndpoint modem, string name)
        {
            _publisher = publisher;
            _raw = raw;
            _host = host;
            _modem = modem;
            _atTopic = $"bench/{name}/at";
            _rawTopic = $"bench/{name}/raw";
            _raw.ApplicationMessageReceivedAsync += _ =>
            {
                if (Interlocked.Increment(ref _rawCount) == _rawTarget)
                {
                    _rawDone.TrySetResult(Stopwatch.GetTimestamp());
                }

                return Task.CompletedTask;
            };
        }

        public static async Task<Stream> OpenAsync(BrokerHandle broker, ModemEndpoint modem, string name)
        {
            var publisher = await RawMqtt.ConnectAsync(broker, $"bench-{name}-pub");
            var raw = await RawMqtt.ConnectAsync(broker, $"bench-{name}-rawsub");
            var host = modem.ConnectHost(broker, $"bench-{name}-at");
            return new Stream(publisher, raw, host, modem, name);
        }

        public async Task<ReceiveRow> MeasureAsync(int qos, byte[] payload, int n, int rounds, bool warmUp)
        {
            if (_atQos.Add(qos))
            {
                // One subscription per QoS level: the modem and the raw client each hold both.
                _host.Command($"AT+MQTTSUB=0,\"{_atTopic}/{qos}\",{qos}");
                await RawMqtt.SubscribeAsync(_raw, $"{_rawTopic}/{qos}", qos);
                _rawQos.Add(qos);
            }

            if (warmUp)
            {
                await AtRoundAsync(qos, payload, Math.Max(100, n / 4));
                await RawRoundAsync(qos, payload, Math.Max(100, n / 4));
            }

            long droppedBefore = _modem.Qos0Dropped;
            var at = new List<double>();
            var raw = new List<double>();
            for (int r = 0; r < rounds; r++)
            {
                raw.Add(await RawRoundAsync(qos, payload, n));
                at.Add(await AtRoundAsync(qos, payload, n));
            }

            long dropped = _modem.Qos0Dropped < 0 ? -1 : _modem.Qos0Dropped - droppedBefore;
            double atMs = Stats.Median(at), rawMs = Stats.Median(raw);
            return new ReceiveRow(qos, payload.Length, n, Stats.Round(n / atMs * 1000, 0), Stats.Round(n / rawMs * 1000, 0), Stats.Round(Stats.Median([.. at.Select((a, i) => raw[i] / a)])),
                Stats.Round(atMs, 2), Stats.Round(rawMs, 2), dropped, [.. at.Select(v => Stats.Round(v, 2))], [.. raw.Select(v => Stats.Round(v, 2))]);
        }

        /// <summary>Milliseconds from the first publish until the host has read the n-th +MQTTSUBRECV.</summary>
        private async Task<double> AtRoundAsync(int qos, byte[] payload, int n)
        {
            var reader = Blocking.Run(() =>
            {
                _host.ReadSubRecv(n);
                return Stopwatch.GetTimestamp();
            });
            long start = Stopwatch.GetTimestamp();
            await RawMqtt.FloodAsync(_publisher, $"{_atTopic}/{qos}", payload, qos, n);
            long end = await reader.WaitAsync(TimeSpan.FromSeconds(120));
            return Stopwatch.GetElapsedTime(start, end).TotalMilliseconds;
        }

        private async Task<double> RawRoundAsync(int qos, byte[] payload, int n)
        {
            _rawDone = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            Volatile.Write(ref _rawCount, 0);
            Volatile.Write(ref _rawTarget, n);
            long start = Stopwatch.GetTimestamp();
            await RawMqtt.FloodAsync(_publisher, $"{_rawTopic}/{qos}", payload, qos, n);
            long end = await _rawDone.Task.WaitAsync(TimeSpan.FromSeconds(120));
            Volatile.Write(ref _rawTarget, int.MaxValue);
            return Stopwatch.GetElapsedTime(start, end).TotalMilliseconds;
        }

        public async ValueTask DisposeAsync()
        {
            _host.Dispose();
            await RawMqtt.DisconnectAsync(_publisher);
            await RawMqtt.DisconnectAsync(_raw);
        }
    }
}
