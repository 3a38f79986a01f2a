using AtMqtt.Bench;

// One verb per measurement; `all` runs the ones meant for the report. Each lives in its own file.
var verbs = new Dictionary<string, (string Help, Func<string[], Task<int>> Run)>(StringComparer.Ordinal)
{
    ["all"] = ("every figure below in one run, then bench/results/latest.json and docs/performance.md", AllBench.RunAsync),
    ["publish"] = ("sequential AT+MQTTPUB vs raw MQTTnet publishes, QoS 0/1, and the loopback round trip", PublishBench.RunAsync),
    ["receive"] = ("N messages to a subscribed topic: host reads all +MQTTSUBRECV vs a raw MQTTnet subscriber", ReceiveBench.RunAsync),
    ["latency"] = ("AT+MQTTPUB sent -> independent subscriber receives, p50/p99, vs raw MQTTnet", LatencyBench.RunAsync),
    ["scale"] = ("1000 and 5000 modems in one process: memory per idle modem, aggregate publish rate", ScaleBench.RunAsync),
    ["scale-one"] = ("(internal) one scale measurement in a child process", ScaleBench.ChildAsync),
    ["engine"] = ("BenchmarkDotNet: framing, parsing, validation, response; allocations per line", EngineBench.RunAsync),
    ["startup"] = ("process start -> ready on the TCP channel and idle RSS: Native AOT, dotnet atmqtt.dll, a C and a .NET listener (--runs N, --aot PATH)", StartupBench.RunAsync),
    ["ready-listener"] = ("(internal) the .NET start-up baseline: listen, write ready, exit", StartupBench.ReadyListenerAsync),
    ["sweep"] = ("payload 16 B..64 KB through PUB/PUBRAW and +MQTTSUBRECV vs raw MQTTnet", SweepBench.RunAsync),
    ["faults"] = ("a fault's effect: FaultSet.Start -> the first byte of the effect at the host, p50/p99 per kind", FaultBench.RunAsync),
    ["pacing"] = ("--baud pacing: 20 KB through AT+MQTTPUBRAW at 115200 and 921600 baud vs a UART's figure", Pacing.RunAsync),
    ["breakdown"] = ("(diagnosis) where one AT+MQTTPUB's time goes, step by step, in-process", BreakdownBench.RunAsync),
    ["report"] = ("rewrite docs/performance.md and its plots from bench/results/latest.json", Report.RunAsync),
    ["control"] = ("--control on (with an SSE watcher) vs off: publish and receive rates, paired in one run, and their ratio", ControlBench.RunAsync),
    ["soak"] = ("10 min of QoS 0/1/2 traffic both ways, mosquitto restarted every minute: sent/acked/received/lost, RSS", Soak.RunAsync),
};

if (args.Length == 0 || !verbs.TryGetValue(args[0], out var verb))
{
    Console.Error.WriteLine("usage: dotnet run -c Release --project bench/AtMqtt.Bench -- <verb> [options]");
    foreach (var (name, (help, _)) in verbs)
    {
        Console.Error.WriteLine($"  {name,-10} {help}");
    }

    return args.Length == 0 ? 0 : 2;
}

return await verb.Run(args[1..]);

namespace AtMqtt.Bench
{
    /// <summary>Marker for the verbs' namespace.</summary>
    internal static class BenchInfo
    {
        public const string Name = "AtMqtt.Bench";
    }
}
