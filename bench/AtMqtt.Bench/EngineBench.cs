using System.Buffers;
using System.IO.Pipelines;
using System.Reflection;
using System.Text;
using AtMqtt.Bench.Harness;
using AtMqtt.Core;
using AtMqtt.Core.Commands;
using AtMqtt.Core.Framing;
using AtMqtt.Core.Mqtt;
using AtMqtt.Core.Parsing;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using MQTTnet;
using MQTTnet.Packets;

namespace AtMqtt.Bench;

internal sealed record EngineRow(string Name, string Description, double NsPerLine, double LinesPerSec, double BytesPerLine, bool PerLine);

internal sealed record EngineSection(string Measured, string Job, int LinesPerOperation, List<EngineRow> Rows, double LoadAverage = -1);

/// <summary>
/// Figure 5: BenchmarkDotNet, in process, short job. The honest path is a <see cref="Modem"/> over
/// in-memory pipes with inline schedulers: the host writes 1000 lines in one buffer and reads every
/// response, and the whole batch runs on the calling thread (one core). Micro-benchmarks of the public
/// framer, parser and command table follow.
/// </summary>
internal static class EngineBench
{
    private static readonly Dictionary<string, string> Descriptions = new(StringComparer.Ordinal)
    {
        [nameof(EngineBenchmarks.AtLines)] = "`AT` → `OK`, echo off: framing, parsing, dispatch, response, written",
        [nameof(EngineBenchmarks.AtLinesEcho)] = "`AT` → echo + `OK` (echo on, the default after start)",
        [nameof(EngineBenchmarks.PubLines)] = "100-byte `AT+MQTTPUB` line, fully validated (link down, so it ends in `ERROR` instead of publishing)",
        [nameof(EngineBenchmarks.SubRecvRender)] = "`+MQTTSUBRECV` of a 64-byte QoS 0 message: render, queue, write (the URC pump is a second thread)",
        [nameof(EngineBenchmarks.FramerOnly)] = "LineFramer.Next alone, over the 100-byte PUB lines",
        [nameof(EngineBenchmarks.CommandLineOnly)] = "CommandLine.TryParse of one PUB line",
        [nameof(EngineBenchmarks.ParamListOnly)] = "ParamList.Parse of one PUB line's parameters",
        [nameof(EngineBenchmarks.CommandTableFind)] = "CommandTable.Find(\"+MQTTPUB\")",
    };

    public static Task<int> RunAsync(string[] argv)
    {
        var args = BenchArgs.Parse(argv);
        var section = Measure(args);
        Results.Save("engine", section, null);
        Report.WriteIfWanted(args);
        return Task.FromResult(0);
    }

    public static EngineSection Measure(BenchArgs args)
    {
        var job = (args.Quick ? Job.Dry : Job.ShortRun).WithToolchain(InProcessEmitToolchain.Instance).WithId("ShortRun-InProcess");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(ConsoleLogger.Default)
            .AddColumnProvider(DefaultColumnProviders.Instance)
            .WithArtifactsPath(Path.Combine(Path.GetTempPath(), "atmqtt-bench-bdn"))
            .WithOptions(ConfigOptions.DisableOptimizationsValidator | ConfigOptions.JoinSummary);
        var filter = args.Str("filter", "");
        if (filter.Length > 0)
        {
            config = config.AddFilter(new BenchmarkDotNet.Filters.NameFilter(name => name.Contains(filter, StringComparison.OrdinalIgnoreCase)));
        }

        var summary = BenchmarkRunner.Run<EngineBenchmarks>(config);
        var rows = new List<EngineRow>();
        foreach (var report in summary.Reports)
        {
            if (report.ResultStatistics is null)
            {
                throw new InvalidOperationException($"engine benchmark {report.BenchmarkCase.Descriptor.WorkloadMethod.Name} produced no result; see the BenchmarkDotNet output above");
            }

            var method = report.BenchmarkCase.Descriptor.WorkloadMethod;
            double ns = report.ResultStatistics?.Mean ?? double.NaN;
            long? bytes = report.GcStats.GetBytesAllocatedPerOperation(report.BenchmarkCase);
            bool perLine = method.GetCustomAttribute<BenchmarkAttribute>()?.OperationsPerInvoke == EngineBenchmarks.Lines;
            rows.Add(new EngineRow(method.Name, Descriptions.GetValueOrDefault(method.Name, method.Name), Stats.Round(ns, 2), Stats.Round(1e9 / ns, 0),
                Stats.Round(bytes ?? double.NaN, 2), perLine));
            Console.WriteLine($"[engine] {method.Name,-18} {ns,9:F1} ns/op {1e9 / ns,14:N0} ops/s {bytes,8} B/op");
        }

        return new EngineSection(DateTime.UtcNow.ToString("u"), args.Quick ? "Dry (in process)" : "ShortRun (in process: 3 warm-up, 3 measured iterations)", EngineBenchmarks.Lines, rows);
    }
}

/// <summary>The engine benchmarks (public so that BenchmarkDotNet can generate its runner).</summary>
public class EngineBenchmarks
{
    public const int Lines = 1000;

    private static readonly PipeOptions Inline = new(readerScheduler: PipeScheduler.Inline, writerScheduler: PipeScheduler.Inline, pauseWriterThreshold: 0, useSynchronizationContext: false);

    private static readonly CommandTable Table = AtMqtt.Core.Profiles.Profile.FromName("esp-at-5.0")!.Commands;

    private readonly LineFramer _framer = new();
    private readonly ParamList _params = new();
    private Modem _modem = null!;
    private Pipe _toModem = null!;
    private Pipe _fromModem = null!;
    private Task _run = Task.CompletedTask;
    private byte[] _atBatch = [];
    private byte[] _pubBatch = [];
    private byte[] _pubLine = [];
    private long _atBytes;
    private long _atEchoBytes;
    private long _pubBytes;
    private long _subRecvBytes;
    private Func<MqttApplicationMessageReceivedEventArgs, Task>? _onMessage;
    private MqttApplicationMessageReceivedEventArgs _message = null!;

    /// <summary>A 100-byte AT+MQTTPUB line (without its terminator).</summary>
    public static string PubLine { get; } = PubLineOf(100);

    private static string PubLineOf(int length)
    {
        const string Head = "AT+MQTTPUB=0,\"sensors/kitchen/temperature\",\"";
        const string Tail = "\",1,0";
        return Head + new string('x', length - Head.Length - Tail.Length) + Tail;
    }

    [GlobalSetup]
    public void Setup()
    {
        if (PubLine.Length != 100)
        {
            throw new InvalidOperationException($"the PUB line is {PubLine.Length} bytes, not 100");
        }

        _modem = new Modem(new ModemOptions { RxQueue = 100_000 });
        _toModem = new Pipe(Inline);
        _fromModem = new Pipe(Inline);
        _run = _modem.RunAsync(new HostPipe(_toModem.Reader, _fromModem.Writer));
        Drain(); // ready

        _atBatch = Batch("AT\r\n");
        _pubLine = Encoding.ASCII.GetBytes(PubLine);
        _pubBatch = Batch(PubLine + "\r\n");
        _atBytes = Lines * "\r\nOK\r\n".Length;
        _atEchoBytes = Lines * "AT\r\n\r\nOK\r\n".Length;
        _pubBytes = Lines * "\r\nERROR\r\n".Length;
        Check("AT", _atBatch, _atBytes, echo: false);
        Check("AT (echo)", _atBatch, _atEchoBytes, echo: true);
        Check("AT+MQTTPUB", _pubBatch, _pubBytes, echo: false);

        // +MQTTSUBRECV is rendered by the link's message handler (private): reached by reflection, so
        // that a rename shows up here as a missing benchmark and not as a build break.
        var method = typeof(MqttLink).GetMethod("OnMessageAsync", BindingFlags.NonPublic | BindingFlags.Instance, [typeof(MqttApplicationMessageReceivedEventArgs)]);
        if (method is not null)
        {
            _onMessage = method.CreateDelegate<Func<MqttApplicationMessageReceivedEventArgs, Task>>(_modem.Link);
            var message = new MqttApplicationMessage
            {
                Topic = "sensors/kitchen/temperature",
                Payload = new ReadOnlySequence<byte>(Payloads.Text(64)),
                QualityOfServiceLevel = MQTTnet.Protocol.MqttQualityOfServiceLevel.AtMostOnce,
            };
            _message = new MqttApplicationMessageReceivedEventArgs("bench", message, new MqttPublishPacket(), (_, _) => Task.CompletedTask);
            _subRecvBytes = Lines * ("+MQTTSUBRECV:0,\"sensors/kitchen/temperature\",64,".Length + 64 + 2);
            SubRecvRender().AsTask().GetAwaiter().GetResult();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _toModem.Writer.Complete();
        _run.Wait(TimeSpan.FromSeconds(5));
        _modem.DisposeAsync().AsTask().Wait(TimeSpan.FromSeconds(5));
    }

    [Benchmark(OperationsPerInvoke = Lines)]
    public ValueTask AtLines()
    {
        _modem.Echo = false;
        return RoundTripAsync(_atBatch, _atBytes);
    }

    [Benchmark(OperationsPerInvoke = Lines)]
    public ValueTask AtLinesEcho()
    {
        _modem.Echo = true;
        return RoundTripAsync(_atBatch, _atEchoBytes);
    }

    [Benchmark(OperationsPerInvoke = Lines)]
    public ValueTask PubLines()
    {
        _modem.Echo = false;
        return RoundTripAsync(_pubBatch, _pubBytes);
    }

    [Benchmark(OperationsPerInvoke = Lines)]
    public async ValueTask SubRecvRender()
    {
        if (_onMessage is null)
        {
            throw new InvalidOperationException("MqttLink.OnMessageAsync(MqttApplicationMessageReceivedEventArgs) not found: update EngineBenchmarks");
        }

        for (int i = 0; i < Lines; i++)
        {
            await _onMessage(_message);
        }

        await ReadAsync(_subRecvBytes);
    }

    [Benchmark(OperationsPerInvoke = Lines)]
    public int FramerOnly()
    {
        var buffer = new ReadOnlySequence<byte>(_pubBatch);
        int lines = 0;
        while (_framer.Next(ref buffer) == FrameKind.Line)
        {
            lines++;
        }

        return lines;
    }

    [Benchmark]
    public bool CommandLineOnly() => AtMqtt.Core.Parsing.CommandLine.TryParse(_pubLine, out _, out _, out _);

    [Benchmark]
    public bool ParamListOnly() => _params.Parse(_pubLine.AsSpan(11), 11, out _);

    [Benchmark]
    public Command? CommandTableFind() => Table.Find("+MQTTPUB"u8);

    private static byte[] Batch(string line) => Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(line, Lines)));

    private async ValueTask RoundTripAsync(byte[] batch, long expected)
    {
        // With inline schedulers the modem's read loop runs inside this flush, on this thread.
        await _toModem.Writer.WriteAsync(batch);
        await ReadAsync(expected);
    }

    private async ValueTask ReadAsync(long expected)
    {
        long got = 0;
        while (got < expected)
        {
            var result = await _fromModem.Reader.ReadAsync();
            got += result.Buffer.Length;
            _fromModem.Reader.AdvanceTo(result.Buffer.End);
        }

        if (got != expected)
        {
            throw new InvalidOperationException($"expected {expected} response bytes, got {got}");
        }
    }

    private void Check(string what, byte[] batch, long expected, bool echo)
    {
        _modem.Echo = echo;
        _toModem.Writer.WriteAsync(batch).AsTask().GetAwaiter().GetResult();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        long length = 0;
        string start = "";
        while (length < expected && !cts.IsCancellationRequested)
        {
            ReadResult result;
            try
            {
                result = _fromModem.Reader.ReadAsync(cts.Token).AsTask().GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (start.Length == 0)
            {
                start = Encoding.ASCII.GetString(result.Buffer.Slice(0, Math.Min(40, result.Buffer.Length)).ToArray());
            }

            length += result.Buffer.Length;
            _fromModem.Reader.AdvanceTo(result.Buffer.End);
        }

        if (length != expected)
        {
            throw new InvalidOperationException($"{what}: expected {expected} response bytes, got {length} (starts \"{start.Replace("\r\n", "|", StringComparison.Ordinal)}\")");
        }
    }

    private void Drain()
    {
        if (_fromModem.Reader.TryRead(out var result))
        {
            _fromModem.Reader.AdvanceTo(result.Buffer.End);
        }
    }
}
