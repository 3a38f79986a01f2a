using System.Diagnostics;
using AtMqtt.Bench.Harness;

namespace AtMqtt.Bench;

/// <summary><c>all</c>: every figure in one run against one broker, then latest.json and docs/performance.md.</summary>
internal static class AllBench
{
    public static async Task<int> RunAsync(string[] argv)
    {
        var args = BenchArgs.Parse(argv);
        var total = Stopwatch.StartNew();
        await using (var broker = await BrokerHandle.StartAsync(args))
        {
            Console.WriteLine($"[all] broker: {broker.Description}");
            await Step("publish", async () => Results.Save("publish", await PublishBench.MeasureAsync(args, broker), broker.Description));
            await Step("breakdown", async () => Results.Save("breakdown", await BreakdownBench.MeasureAsync(args, broker), broker.Description));
            await Step("receive", async () => Results.Save("receive", await ReceiveBench.MeasureAsync(args, broker), broker.Description));
            await Step("latency", async () => Results.Save("latency", await LatencyBench.MeasureAsync(args, broker), broker.Description));
            await Step("sweep", async () => Results.Save("sweep", await SweepBench.MeasureAsync(args, broker), broker.Description));
            await Step("scale", async () => Results.Save("scale", await ScaleBench.MeasureAsync(args, broker), broker.Description));
        }

        await Step("startup", async () => Results.Save("startup", await StartupBench.MeasureAsync(args), null));
        await Step("engine", () =>
        {
            Results.Save("engine", EngineBench.Measure(args), null);
            return Task.CompletedTask;
        });
        Report.WriteIfWanted(args);
        Console.WriteLine($"[all] done in {total.Elapsed.TotalMinutes:F1} min");
        return 0;
    }

    private static async Task Step(string name, Func<Task> body)
    {
        var sw = Stopwatch.StartNew();
        Console.WriteLine($"[all] {name}...");
        await body();
        Console.WriteLine($"[all] {name} took {sw.Elapsed.TotalSeconds:F0} s");
    }
}
