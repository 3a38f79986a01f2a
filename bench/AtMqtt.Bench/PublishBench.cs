using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AtMqtt.Bench.Harness;
using MQTTnet;

namespace AtMqtt.Bench;

internal sealed record PublishRow(
    int Qos,
    string Modem,
    double AtPerSec,
    double RawPerSec,
    double Ratio,
    double AtUs,
    double RawUs,
    double ModemCostRoundTrips,
    double AtPingUs,
    double AtWorkItemsPerMsg,
    double RawWorkItemsPerMsg,
    double AtCpuUsPerMsg,
    double RawCpuUsPerMsg,
    double LinkPublishUs,
    double PingCpuUs,
    double AtAllocatedPerMsg,
    double RawAllocatedPerMsg,
    double FloorUs,
    double FloorRatio,
    double CeilingRatio,
    double[] AtRounds,
    double[] RawRounds,
    double AtPingRoundTrips = double.NaN);

internal sealed record PublishSection(
    string Measured,
    int PayloadBytes,
    int CommandBytes,
    double RoundTripUs,
    double[] RoundTripBatchesUs,
    double RoundSeconds,
    int Pairs,
    List<PublishRow> Rows,
    double LoadAverage = -1);

/// <summary>
/// Figure 1: sequential AT+MQTTPUB over the TCP channel, each waiting for its OK, against raw MQTTnet
/// sequential awaited publishes to the same broker; and the loopback round trip that separates them.
/// </summary>
internal static class PublishBench
{
    public const string Topic = "bench/pub";

    public static async Task<int> RunAsync(string[] argv)
    {
        var args = BenchArgs.Parse(argv);
        await using var broker = await BrokerHandle.StartAsync(args);
        var section = await MeasureAsync(args, broker);
        Results.Save("publish", section, broker.Description);
        Report.WriteIfWanted(args);
        return 0;
    }

    public static async Task<PublishSection> MeasureAsync(BenchArgs args, BrokerHandle broker)
    {
        var payload = Payloads.Text(64);
        // Many short rounds, alternating baseline and AtMqtt: on a shared 2-core machine the load moves
        // under a long round, and a pair of neighbouring rounds sees about the same load.
        var round = args.Round(0.5);
        int rounds = args.Int("rounds", args.Quick ? 3 : 8);
        var modes = args.Extra.TryGetValue("modems", out var m) ? m.Split(',') : args.ModemMode == "process" ? ["process"] : ["inproc", "process"];
        var commands = new[] { Command(Topic, payload, 0), Command(Topic, payload, 1) };

        var (rtt, batches) = RoundTrip.Measure(commands[1], args.Quick ? 3 : 7, 2000);
        Console.WriteLine($"[publish] loopback round trip ({commands[1].Length} bytes each way): {rtt:F1} µs (fastest of {batches.Length} batches)");

        var rows = new List<PublishRow>();
        using var echo = new RoundTrip();
        var raw = await RawMqtt.ConnectAsync(broker, "bench-pub-raw");
        try
        {
            foreach (var mode in modes)
            {
                await using var modem = await ModemEndpoint.StartAsync(mode, new ModemSetup());
                using var host = modem.ConnectHost(broker, "bench-pub-at-" + mode);
                foreach (int qos in args.Str("qos", "0,1").Split(',').Select(q => int.Parse(q, System.Globalization.CultureInfo.InvariantCulture)))
                {
                    var message = RawMqtt.Message(Topic, payload, qos);
                    var command = commands[qos];

                    // Warm both paths up (JIT tiers, broker buffers) before any round counts.
                    await AtRoundAsync(host, command, round / 2);
                    await RawRoundAsync(raw, message, round / 2);

                    var atRounds = new List<double>();
                    var rawRounds = new List<double>();
                    var floorRounds = new List<double>();
                    var ratios = new List<double>();
                    var floorRatios = new List<double>();
                    for (int r = 0; r < rounds; r++)
                    {
                        rawRounds.Add(await RawRoundAsync(raw, message, round));
                        atRounds.Add(await AtRoundAsync(host, command, round));
                        floorRounds.Add(await FloorRoundAsync(echo, command, raw, message, round));
                        ratios.Add(atRounds[^1] / rawRounds[^1]);
                        floorRatios.Add(atRounds[^1] / floorRounds[^1]);
                    }

                    // Decomposition: a bare AT (no MQTT) over the same channel, and thread-pool work
                    // items per message on each side (in-process only: the counter is this process's).
                    // Each bare-AT round is paired with a loopback echo round of the same 4 bytes, so
                    // that its figure in round trips sees the load its own echo saw.
                    var pings = new List<double>();
                    var pingRoundTrips = new List<double>();
                    var bare = "AT\r\n"u8.ToArray();
                    for (int i = 0; i < 5; i++)
                    {
                        double echoUs = 1e6 / await EchoRoundAsync(echo, bare, round / 2);
                        pings.Add(1e6 / await AtRoundAsync(host, bare, round / 2));
                        pingRoundTrips.Add(pings[^1] / echoUs);
                    }

                    double pingUs = Stats.Median(pings);
                    var (atItems, rawItems, atCpu, rawCpu, linkUs, pingCpu) = (double.NaN, double.NaN, double.NaN, double.NaN, double.NaN, double.NaN);
                    var (atAlloc, rawAlloc) = (double.NaN, double.NaN);
                    if (modem is InProcessModem inProcess)
                    {
                        // The modem's own MQTT side alone: MqttLink.PublishAsync called directly, as the
                        // AT+MQTTPUB handler calls it, without the host, the channel or the parser.
                        var link = inProcess.Modem.Link;
                        var linkWatch = Stopwatch.StartNew();
                        for (int i = 0; i < 5000; i++)
                        {
                            if (!await link.PublishAsync(Topic, payload, qos, false, TimeSpan.FromSeconds(15)))
                            {
                                throw new InvalidOperationException("MqttLink.PublishAsync failed");
                            }
                        }

                        linkUs = linkWatch.Elapsed.TotalMicroseconds / 5000;

                        const int Counted = 5000;
                        using var self = Process.GetCurrentProcess();
                        long before = ThreadPool.CompletedWorkItemCount;
                        long allocated = GC.GetTotalAllocatedBytes(precise: true);
                        var cpu = self.TotalProcessorTime;
                        await CountedAtAsync(host, command, Counted);
                        self.Refresh();
                        atCpu = (self.TotalProcessorTime - cpu).TotalMicroseconds / Counted;
                        atItems = (ThreadPool.CompletedWorkItemCount - before) / (double)Counted;
                        atAlloc = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)Counted;
                        before = ThreadPool.CompletedWorkItemCount;
                        allocated = GC.GetTotalAllocatedBytes(precise: true);
                        cpu = self.TotalProcessorTime;
                        await CountedRawAsync(raw, message, Counted);
                        self.Refresh();
                        rawCpu = (self.TotalProcessorTime - cpu).TotalMicroseconds / Counted;
                        rawItems = (ThreadPool.CompletedWorkItemCount - before) / (double)Counted;
                        rawAlloc = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)Counted;
                        cpu = self.TotalProcessorTime;
                        await CountedAtAsync(host, "AT\r\n"u8.ToArray(), Counted);
                        self.Refresh();
                        pingCpu = (self.TotalProcessorTime - cpu).TotalMicroseconds / Counted;
                    }

                    double at = Stats.Median(atRounds), rawRate = Stats.Median(rawRounds);
                    double atUs = 1e6 / at, rawUs = 1e6 / rawRate, floorUs = 1e6 / Stats.Median(floorRounds);
                    var row = new PublishRow(qos, modem.Kind, Stats.Round(at, 0), Stats.Round(rawRate, 0), Stats.Round(Stats.Median(ratios)), Stats.Round(atUs, 2),
                        Stats.Round(rawUs, 2), Stats.Round((atUs - rawUs) / rtt, 2), Stats.Round(pingUs, 2), Stats.Round(atItems, 2), Stats.Round(rawItems, 2), Stats.Round(atCpu, 1), Stats.Round(rawCpu, 1), Stats.Round(linkUs, 1), Stats.Round(pingCpu, 1), Stats.Round(atAlloc, 0), Stats.Round(rawAlloc, 0), Stats.Round(floorUs, 2), Stats.Round(Stats.Median(floorRatios)), Stats.Round(rawUs / floorUs), [.. atRounds.Select(v => Stats.Round(v, 0))], [.. rawRounds.Select(v => Stats.Round(v, 0))], Stats.Round(Stats.Median(pingRoundTrips), 2));
                    rows.Add(row);
                    Console.WriteLine($"[publish] QoS {qos} {modem.Kind,-14}: AT {at,8:F0}/s ({atUs:F1} µs)  raw {rawRate,8:F0}/s ({rawUs:F1} µs)  ratio {row.Ratio:F3}  modem cost {row.ModemCostRoundTrips:F2} round trips; bare AT {pingUs:F1} µs ({row.AtPingRoundTrips:F2} round trips, paired); thread-pool items/msg AT {atItems:F2} raw {rawItems:F2}; CPU µs/msg AT {atCpu:F1} raw {rawCpu:F1} bare AT {pingCpu:F1}; MqttLink.PublishAsync alone {linkUs:F1} µs; allocated/msg AT {atAlloc:F0} B raw {rawAlloc:F0} B; floor (echo + raw publish) {floorUs:F1} µs, AT vs floor {row.FloorRatio:F3}");
                }
            }
        }
        finally
        {
            await RawMqtt.DisconnectAsync(raw);
        }

        return new PublishSection(DateTime.UtcNow.ToString("u"), payload.Length, commands[1].Length, Stats.Round(rtt, 2), [.. batches.Select(b => Stats.Round(b, 2))], round.TotalSeconds, rounds, rows);
    }

    public static byte[] Command(string topic, byte[] payload, int qos) =>
        Encoding.ASCII.GetBytes($"AT+MQTTPUB=0,\"{topic}\",\"{Encoding.ASCII.GetString(payload)}\",{qos},0\r\n");

    /// <summary>Sequential AT+MQTTPUB, each waiting for OK, for about <paramref name="duration"/>; messages per second.</summary>
    public static Task<double> AtRoundAsync(AtClient host, byte[] command, TimeSpan duration) => Blocking.Run(() =>
    {
        long count = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < duration)
        {
            for (int i = 0; i < 32; i++)
            {
                host.Send(command);
                if (!host.WaitResult())
                {
                    throw new InvalidOperationException("AT+MQTTPUB answered ERROR");
                }
            }

            count += 32;
        }

        return count / sw.Elapsed.TotalSeconds;
    });

    /// <summary>Sequential loopback echoes of <paramref name="message"/> for about <paramref name="duration"/>; round trips per second.</summary>
    public static Task<double> EchoRoundAsync(RoundTrip echo, byte[] message, TimeSpan duration) => Blocking.Run(() =>
    {
        long count = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < duration)
        {
            echo.Batch(message, 32);
            count += 32;
        }

        return count / sw.Elapsed.TotalSeconds;
    });

    /// <summary>
    /// The floor of a host that waits for each answer: a loopback echo of the command, then one raw
    /// MQTTnet publish, alternating — what a perfect modem costs (no broker batching, one host round trip).
    /// </summary>
    public static Task<double> FloorRoundAsync(RoundTrip echo, byte[] command, IMqttClient client, MqttApplicationMessage message, TimeSpan duration) => Blocking.Run(() =>
    {
        long count = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < duration)
        {
            for (int i = 0; i < 32; i++)
            {
                echo.Batch(command, 1);
                var result = client.PublishAsync(message).GetAwaiter().GetResult();
                if (!result.IsSuccess)
                {
                    throw new InvalidOperationException($"raw publish failed: {result.ReasonCode}");
                }
            }

            count += 32;
        }

        return count / sw.Elapsed.TotalSeconds;
    });

    private static Task<double> CountedAtAsync(AtClient host, byte[] command, int count) => Blocking.Run(() =>
    {
        for (int i = 0; i < count; i++)
        {
            host.Send(command);
            if (!host.WaitResult())
            {
                throw new InvalidOperationException("AT command answered ERROR");
            }
        }

        return (double)count;
    });

    private static async Task CountedRawAsync(IMqttClient client, MqttApplicationMessage message, int count)
    {
        for (int i = 0; i < count; i++)
        {
            await client.PublishAsync(message);
        }
    }

    /// <summary>Sequential awaited MQTTnet publishes for about <paramref name="duration"/>; messages per second.</summary>
    public static async Task<double> RawRoundAsync(IMqttClient client, MqttApplicationMessage message, TimeSpan duration)
    {
        long count = 0;
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < duration)
        {
            for (int i = 0; i < 32; i++)
            {
                var result = await client.PublishAsync(message);
                if (!result.IsSuccess)
                {
                    throw new InvalidOperationException($"raw publish failed: {result.ReasonCode}");
                }
            }

            count += 32;
        }

        return count / sw.Elapsed.TotalSeconds;
    }
}

/// <summary>Payloads that need no escaping inside a quoted AT parameter.</summary>
internal static class Payloads
{
    public static byte[] Text(int length)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
        {
            bytes[i] = (byte)('a' + (i % 26));
        }

        return bytes;
    }

    /// <summary>Any byte values (for PUBRAW and raw MQTT), CR, LF and NUL included.</summary>
    public static byte[] Binary(int length)
    {
        var bytes = new byte[length];
        new Random(length).NextBytes(bytes);
        return bytes;
    }
}

/// <summary>Runs blocking host code on a thread of its own, off the thread pool the modem uses.</summary>
internal static class Blocking
{
    public static Task<T> Run<T>(Func<T> body) =>
        Task.Factory.StartNew(body, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}

/// <summary>
/// The floor of every AT command: one host↔modem round trip over loopback between .NET sockets. The
/// echo server is a plain async .NET socket loop (what any .NET channel pays at least); the client is
/// the same blocking host as <see cref="AtClient"/>.
/// </summary>
internal sealed class RoundTrip : IDisposable
{
    private readonly Socket _listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
    private readonly Socket _client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 10_000 };
    private readonly Task _server;

    public RoundTrip()
    {
        _listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        _listener.Listen(1);
        _server = Task.Run(async () =>
        {
            using var s = await _listener.AcceptAsync();
            s.NoDelay = true;
            var buffer = new byte[65536];
            while (true)
            {
                int n = await s.ReceiveAsync(buffer.AsMemory(), SocketFlags.None);
                if (n == 0)
                {
                    return;
                }

                int sent = 0;
                while (sent < n)
                {
                    sent += await s.SendAsync(buffer.AsMemory(sent, n - sent), SocketFlags.None);
                }
            }
        });
        _client.Connect(_listener.LocalEndPoint!);
    }

    /// <summary>Fastest of <paramref name="batches"/> batches (after one warm-up batch), in µs per round trip.</summary>
    public static (double FastestUs, double[] BatchesUs) Measure(byte[] message, int batches, int perBatch)
    {
        using var echo = new RoundTrip();
        echo.Batch(message, perBatch);
        var results = new double[batches];
        for (int b = 0; b < batches; b++)
        {
            results[b] = echo.Batch(message, perBatch);
        }

        return (results.Min(), results);
    }

    /// <summary>µs per round trip over <paramref name="count"/> sequential echoes.</summary>
    public double Batch(byte[] message, int count)
    {
        var reply = new byte[message.Length];
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < count; i++)
        {
            _client.Send(message);
            int got = 0;
            while (got < reply.Length)
            {
                int n = _client.Receive(reply, got, reply.Length - got, SocketFlags.None);
                if (n == 0)
                {
                    throw new EndOfStreamException("echo server closed");
                }

                got += n;
            }
        }

        return sw.Elapsed.TotalMicroseconds / count;
    }

    public void Dispose()
    {
        try
        {
            _client.Shutdown(SocketShutdown.Both);
        }
        catch (SocketException)
        {
        }

        _server.Wait(TimeSpan.FromSeconds(5));
        _client.Dispose();
        _listener.Dispose();
    }
}
