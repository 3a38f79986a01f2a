using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using AtMqtt.Bench.Harness;
using AtMqtt.Core;
using MQTTnet;

namespace AtMqtt.Bench;

/// <summary>What one child process measured for N connections of one kind.</summary>
internal sealed record ScaleChild(
    string Kind,
    int N,
    int Connected,
    double ConnectSeconds,
    long HeapBase,
    long HeapCreated,
    long HeapConnected,
    long WorkingSetBase,
    long WorkingSetCreated,
    long WorkingSetConnected,
    double IdleCpuPercent,
    double PublishSeconds,
    long Published,
    double PublishPerSec,
    double AllocatedBytesPerMsg,
    int Gen0Collections,
    int Gen1Collections,
    int Gen2Collections,
    double GcPausePercent);

internal sealed record ScaleRow(
    int N,
    double ModemHeapPerConnBytes,
    double ModemWorkingSetPerConnBytes,
    double ModemOnlyHeapPerModemBytes,
    double RawHeapPerConnBytes,
    double RawWorkingSetPerConnBytes,
    double MemoryRatio,
    double ModemPublishPerSec,
    double RawPublishPerSec,
    double PublishRatio,
    double ModemIdleCpuPercent,
    double RawIdleCpuPercent,
    ScaleChild Modem,
    ScaleChild Raw,
    ScaleChild? ModemPoolPipes = null);

internal sealed record ScaleSection(string Measured, double PublishSeconds, List<ScaleRow> Rows, double LoadAverage = -1);

/// <summary>
/// Figure 4: N modems in one process, each over an in-memory pipe with its own MQTT connection, idle
/// and then all publishing (sequential QoS 0 AT+MQTTPUB per modem), against N raw MQTTnet clients.
/// Each (kind, N) runs in a child process of its own, so that one measurement's heap and working set
/// do not leak into the next.
/// </summary>
internal static class ScaleBench
{
    private const string ResultPrefix = "SCALE-RESULT ";

    public static async Task<int> RunAsync(string[] argv)
    {
        var args = BenchArgs.Parse(argv);
        await using var broker = await BrokerHandle.StartAsync(args);
        var section = await MeasureAsync(args, broker);
        Results.Save("scale", section, broker.Description);
        Report.WriteIfWanted(args);
        return 0;
    }

    public static async Task<ScaleSection> MeasureAsync(BenchArgs args, BrokerHandle broker)
    {
        var sizes = args.Str("sizes", args.Quick ? "200,1000" : "1000,5000").Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture));
        double seconds = args.Seconds ?? (args.Quick ? 2 : 5);
        var rows = new List<ScaleRow>();
        foreach (int n in sizes)
        {
            var raw = await RunChildAsync("raw", n, broker, seconds);
            var modem = await RunChildAsync("modem", n, broker, seconds);

            // The same modems with host pipes that wake each side through the thread pool (before).
            var pooled = args.Str("compare-pool", "yes") == "yes" ? await RunChildAsync("modem", n, broker, seconds, "pool") : null;
            double PerConn(long after, long before, ScaleChild c) => Stats.Round((after - before) / (double)Math.Max(1, c.Connected), 0);
            double modemHeap = PerConn(modem.HeapConnected, modem.HeapBase, modem);
            double rawHeap = PerConn(raw.HeapConnected, raw.HeapBase, raw);
            double modemWs = PerConn(modem.WorkingSetConnected, modem.WorkingSetBase, modem);
            double rawWs = PerConn(raw.WorkingSetConnected, raw.WorkingSetBase, raw);
            var row = new ScaleRow(n, modemHeap, modemWs, PerConn(modem.HeapCreated, modem.HeapBase, modem), rawHeap, rawWs,
                Stats.Round(rawWs / modemWs), modem.PublishPerSec, raw.PublishPerSec, Stats.Round(modem.PublishPerSec / raw.PublishPerSec),
                modem.IdleCpuPercent, raw.IdleCpuPercent, modem, raw, pooled);
            rows.Add(row);
            Console.WriteLine($"[scale] N={n}: modem {modemWs / 1024:F1} KB WS ({modemHeap / 1024:F1} KB heap)/conn, raw {rawWs / 1024:F1} KB WS ({rawHeap / 1024:F1} KB heap)/conn; publish modem {modem.PublishPerSec:F0}/s raw {raw.PublishPerSec:F0}/s; with pool-woken pipes {pooled?.PublishPerSec:F0}/s");
        }

        return new ScaleSection(DateTime.UtcNow.ToString("u"), seconds, rows);
    }

    private static async Task<ScaleChild> RunChildAsync(string kind, int n, BrokerHandle broker, double seconds, string pipes = "inline")
    {
        var psi = SelfStartInfo();
        foreach (var a in new[] { "scale-one", "--kind", kind, "--n", n.ToString(CultureInfo.InvariantCulture), "--broker", broker.EndPoint.ToString(), "--seconds", seconds.ToString(CultureInfo.InvariantCulture), "--pipes", pipes })
        {
            psi.ArgumentList.Add(a);
        }

        psi.RedirectStandardOutput = true;
        psi.RedirectStandardError = true;
        using var child = Process.Start(psi) ?? throw new InvalidOperationException("scale child did not start");
        var stderr = child.StandardError.ReadToEndAsync();
        ScaleChild? result = null;
        var outputDone = Task.Run(async () =>
        {
            while (await child.StandardOutput.ReadLineAsync() is { } line)
            {
                if (line.StartsWith(ResultPrefix, StringComparison.Ordinal))
                {
                    result = JsonSerializer.Deserialize<ScaleChild>(line[ResultPrefix.Length..], Results.Json);
                }
                else
                {
                    Console.WriteLine("  " + line);
                }
            }
        });
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await child.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            child.Kill(entireProcessTree: true);
            throw new TimeoutException($"scale child ({kind}, {n}) did not finish within 5 minutes");
        }

        await outputDone;
        return result ?? throw new InvalidOperationException($"scale child ({kind}, {n}) exited {child.ExitCode} without a result: {await stderr}");
    }

    /// <summary>This benchmark program itself, for a child run.</summary>
    private static ProcessStartInfo SelfStartInfo()
    {
        string path = Environment.ProcessPath ?? "dotnet";
        var psi = new ProcessStartInfo(path) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            psi.ArgumentList.Add(typeof(BenchInfo).Assembly.Location);
        }

        return psi;
    }

    /// <summary>The child: <c>scale-one --kind modem|raw --n N --broker HOST:PORT --seconds S</c>.</summary>
    public static async Task<int> ChildAsync(string[] argv)
    {
        var args = BenchArgs.Parse(argv);
        string kind = args.Str("kind", "modem");
        int n = args.Int("n", 1000);
        double seconds = args.Seconds ?? 5;
        await using var broker = await BrokerHandle.StartAsync(args);
        IScaleFleet fleet = kind == "raw" ? new RawFleet(broker) : new ModemFleet(broker, args.Str("pipes", "inline") == "inline");

        // Warm up: one connection through the whole cycle, so JIT and static state are in the baseline.
        await fleet.WarmUpAsync();
        var (heapBase, wsBase) = Memory();
        await fleet.CreateAsync(n);
        var (heapCreated, wsCreated) = Memory();
        var sw = Stopwatch.StartNew();
        int connected = await fleet.ConnectAsync();
        double connectSeconds = sw.Elapsed.TotalSeconds;
        if (connected < n)
        {
            Console.WriteLine($"{kind}: only {connected} of {n} connected");
        }

        // Idle: let connections settle, then see what they cost while nothing happens.
        await Task.Delay(1000);
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        var idle = Stopwatch.StartNew();
        await Task.Delay(3000);
        double idleCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds / idle.Elapsed.TotalSeconds / Environment.ProcessorCount * 100;
        var (heapConnected, wsConnected) = Memory();
        if (args.Int("hold", 0) is int hold and > 0)
        {
            // A diagnosis: the idle fleet stays up this long for dotnet-gcdump (heap by type).
            Console.WriteLine($"{kind}: idle and connected, pid {Environment.ProcessId}; holding {hold} s");
            await Task.Delay(TimeSpan.FromSeconds(hold));
        }


        long allocated = GC.GetTotalAllocatedBytes(precise: true);
        var pause = GC.GetTotalPauseDuration();
        int g0 = GC.CollectionCount(0), g1 = GC.CollectionCount(1), g2 = GC.CollectionCount(2);
        var publish = Stopwatch.StartNew();
        long published = await fleet.PublishAsync(TimeSpan.FromSeconds(seconds));
        double publishSeconds = publish.Elapsed.TotalSeconds;
        double perMsg = (GC.GetTotalAllocatedBytes(precise: true) - allocated) / (double)Math.Max(1, published);
        double pausePercent = (GC.GetTotalPauseDuration() - pause).TotalSeconds / publishSeconds * 100;
        var result = new ScaleChild(kind, n, connected, Stats.Round(connectSeconds, 2), heapBase, heapCreated, heapConnected, wsBase, wsCreated, wsConnected,
            Stats.Round(idleCpu, 2), Stats.Round(publishSeconds, 2), published, Stats.Round(published / publishSeconds, 0),
            Stats.Round(perMsg, 0), GC.CollectionCount(0) - g0, GC.CollectionCount(1) - g1, GC.CollectionCount(2) - g2, Stats.Round(pausePercent, 1));
        Console.WriteLine(ResultPrefix + JsonSerializer.Serialize(result, new JsonSerializerOptions(Results.Json) { WriteIndented = false }));
        Console.Out.Flush();

        // The broker sees the connections go when the process ends; no orderly teardown of thousands.
        Environment.Exit(0);
        return 0;
    }

    private static (long Heap, long WorkingSet) Memory()
    {
        for (int i = 0; i < 3; i++)
        {
            GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
        }

        long heap = GC.GetTotalMemory(forceFullCollection: true);
        using var self = Process.GetCurrentProcess();
        return (heap, self.WorkingSet64);
    }

    private interface IScaleFleet
    {
        Task WarmUpAsync();

        Task CreateAsync(int n);

        Task<int> ConnectAsync();

        Task<long> PublishAsync(TimeSpan duration);
    }

    private static async Task<int> ForAllAsync(int n, int parallel, Func<int, Task> body)
    {
        using var gate = new SemaphoreSlim(parallel);
        int ok = 0;
        var tasks = Enumerable.Range(0, n).Select(async i =>
        {
            await gate.WaitAsync();
            try
            {
                await body(i);
                Interlocked.Increment(ref ok);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                Console.WriteLine($"connection {i} failed: {ex.GetType().Name}: {ex.Message}");
            }
            finally
            {
                gate.Release();
            }
        }).ToArray();
        await Task.WhenAll(tasks);
        return ok;
    }

    private sealed class RawFleet(BrokerHandle broker) : IScaleFleet
    {
        private readonly List<IMqttClient> _clients = [];
        private IMqttClient?[] _connected = [];
        private int _n;

        public async Task WarmUpAsync()
        {
            var c = await RawMqtt.ConnectAsync(broker, "scale-raw-warm");
            await c.PublishAsync(RawMqtt.Message("bench/scale/warm", Payloads.Text(64), 0));
            await RawMqtt.DisconnectAsync(c);
        }

        public Task CreateAsync(int n)
        {
            _n = n; // a raw client is its connection: nothing to create beforehand
            return Task.CompletedTask;
        }

        public async Task<int> ConnectAsync()
        {
            _connected = new IMqttClient?[_n];
            int ok = await ForAllAsync(_n, 32, async i => _connected[i] = await RawMqtt.ConnectAsync(broker, $"scale-raw-{i}"));
            _clients.AddRange(_connected.OfType<IMqttClient>());
            return ok;
        }

        public async Task<long> PublishAsync(TimeSpan duration)
        {
            var sw = Stopwatch.StartNew();
            long total = 0;
            await Task.WhenAll(_clients.Select((c, i) => Task.Run(async () =>
            {
                var message = RawMqtt.Message($"bench/scale/{i}", Payloads.Text(64), 0);
                long k = 0;
                while (sw.Elapsed < duration)
                {
                    await c.PublishAsync(message);
                    k++;
                }

                Interlocked.Add(ref total, k);
            })));
            return total;
        }
    }

    /// <param name="inline">
    /// The host pipes run their readers inline, as the TCP channel's <c>SocketHostPipe</c> does: the modem
    /// executes on the thread that delivers the host's bytes, and the host reads its answer on the modem's.
    /// False: the thread pool wakes each side (the channel before SocketHostPipe; two hops per command).
    /// </param>
    private sealed class ModemFleet(BrokerHandle broker, bool inline) : IScaleFleet
    {
        private readonly List<(Modem Modem, PipeHost Host)> _modems = [];
        private bool[] _ok = [];

        public async Task WarmUpAsync()
        {
            var (modem, host) = Create();
            await host.Ready();
            await host.CommandAsync("ATE0");
            await host.CommandAsync($"AT+MQTTUSERCFG=0,1,\"scale-modem-warm\",\"\",\"\",0,0,\"\"");
            await host.CommandAsync($"AT+MQTTCONN=0,\"{broker.Host}\",{broker.Port},0");
            await host.CommandAsync(Encoding.ASCII.GetString(PublishBench.Command("bench/scale/warm", Payloads.Text(64), 0)).TrimEnd());
            await host.CommandAsync("AT+MQTTCLEAN=0");
            await modem.DisposeAsync();
        }

        public async Task CreateAsync(int n)
        {
            for (int i = 0; i < n; i++)
            {
                _modems.Add(Create());
            }

            foreach (var (_, host) in _modems)
            {
                await host.Ready();
                await host.CommandAsync("ATE0");
            }
        }

        public async Task<int> ConnectAsync()
        {
            _ok = new bool[_modems.Count];
            return await ForAllAsync(_modems.Count, 32, async i =>
            {
                var host = _modems[i].Host;
                await host.CommandAsync($"AT+MQTTUSERCFG=0,1,\"scale-modem-{i}\",\"\",\"\",0,0,\"\"");
                await host.CommandAsync($"AT+MQTTCONN=0,\"{broker.Host}\",{broker.Port},0");
                _ok[i] = true;
            });
        }

        public async Task<long> PublishAsync(TimeSpan duration)
        {
            var sw = Stopwatch.StartNew();
            long total = 0;
            await Task.WhenAll(_modems.Where((_, i) => _ok[i]).Select((m, i) => Task.Run(async () =>
            {
                var command = PublishBench.Command($"bench/scale/{i}", Payloads.Text(64), 0);
                long k = 0;
                while (sw.Elapsed < duration)
                {
                    await m.Host.SendAsync(command);
                    if (!await m.Host.WaitResultAsync())
                    {
                        throw new InvalidOperationException("AT+MQTTPUB answered ERROR");
                    }

                    k++;
                }

                Interlocked.Add(ref total, k);
            })));
            return total;
        }

        private (Modem, PipeHost) Create()
        {
            var modem = new Modem(new ModemOptions());
            var options = inline ? new PipeOptions(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, useSynchronizationContext: false) : PipeOptions.Default;
            var toModem = new Pipe(options);
            var fromModem = new Pipe(options);
            _ = modem.RunAsync(new HostPipe(toModem.Reader, fromModem.Writer));
            return (modem, new PipeHost(toModem.Writer, fromModem.Reader));
        }
    }
}

/// <summary>A host on the far side of an in-memory pipe (the scale test's modems have no socket to their host).</summary>
internal sealed class PipeHost(PipeWriter toModem, PipeReader fromModem)
{
    // One deadline for every host of the process (a timer per wait would itself be measured).
    private static readonly CancellationTokenSource Deadline = new(TimeSpan.FromMinutes(5));

    public async ValueTask SendAsync(ReadOnlyMemory<byte> bytes) => await toModem.WriteAsync(bytes);

    public async Task Ready()
    {
        if (await WaitForAsync("ready\r\n"u8.ToArray(), null) != 0)
        {
            throw new InvalidOperationException("no ready");
        }
    }

    public async Task CommandAsync(string line)
    {
        await SendAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
        if (!await WaitResultAsync())
        {
            throw new InvalidOperationException($"'{line}' answered ERROR");
        }
    }

    public async Task<bool> WaitResultAsync() => await WaitForAsync(OkBytes, ErrorBytes) == 0;

    private static readonly byte[] OkBytes = "\r\nOK\r\n"u8.ToArray();
    private static readonly byte[] ErrorBytes = "\r\nERROR\r\n"u8.ToArray();

    private async Task<int> WaitForAsync(byte[] first, byte[]? second)
    {
        while (true)
        {
            var result = await fromModem.ReadAsync(Deadline.Token);
            var buffer = result.Buffer;
            var reader = new SequenceReader<byte>(buffer);
            if (reader.TryReadTo(out ReadOnlySequence<byte> _, first, advancePastDelimiter: true))
            {
                fromModem.AdvanceTo(reader.Position);
                return 0;
            }

            if (second is not null)
            {
                reader = new SequenceReader<byte>(buffer);
                if (reader.TryReadTo(out ReadOnlySequence<byte> _, second, advancePastDelimiter: true))
                {
                    fromModem.AdvanceTo(reader.Position);
                    return 1;
                }
            }

            if (result.IsCompleted)
            {
                throw new EndOfStreamException("the modem closed its output");
            }

            fromModem.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
