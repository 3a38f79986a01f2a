using System.Diagnostics;
using AtMqtt.Bench.Harness;
using AtMqtt.Core.Instrument;
using AtMqtt.Testing;

namespace AtMqtt.Bench;

internal sealed record FaultLatencyRow(string Kind, string Effect, int Samples, double P50Ms, double P99Ms, double MaxMs);

internal sealed record FaultLatencySection(string Measured, List<FaultLatencyRow> Rows);

/// <summary>
/// "A fault's effect starts within 50 ms of the request": from <see cref="FaultSet.Start"/> in
/// process (the control API adds its HTTP request on top) to the first byte of the effect at the host:
/// a modem in memory against MQTTnet's broker in process. For the faults that act on the host's next
/// line (busy, error, publish-fail, urc-in-prompt) the host sends that line right after the request,
/// so the figure includes one command's round trip; for the network drops (wifi-drop,
/// broker-unreachable) it is the time to the URCs that tell the host.
/// </summary>
internal static class FaultBench
{
    public static async Task<int> RunAsync(string[] argv)
    {
        var args = BenchArgs.Parse(argv);
        int samples = args.Int("samples", args.Quick ? 50 : 300);
        await using var broker = await InProcessBroker.StartAsync();
        await using var s = await InMemoryModem.StartAsync();
        await s.UserConfigAsync("bench-faults");
        await s.ConnectAsync(broker.Port);
        var faults = s.Modem.Faults;
        var topic = "bench/faults";
        var rows = new List<FaultLatencyRow>
        {
            await MeasureAsync("busy", "busy p... for the next line", samples, async () =>
            {
                var f = faults.Start(new FaultSpec { Kind = "busy", Ms = 60_000 });
                await s.SendAsync("AT\r\n");
                await s.ExpectAsync("AT\r\nbusy p...\r\n");
                return f;
            }, f => Task.FromResult(faults.End(f.Id))),
            await MeasureAsync("error", "ERROR for the next AT+MQTTPUB", samples, async () =>
            {
                var f = faults.Start(new FaultSpec { Kind = "error", Command = "AT+MQTTPUB", Code = "0x01090000" });
                await s.CommandAsync($"AT+MQTTPUB=0,\"{topic}\",\"x\",0,0", InMemoryModem.Error);
                return f;
            }, _ => Task.FromResult(true)),
            await MeasureAsync("publish-fail", "ERROR for the next AT+MQTTPUB, nothing sent", samples, async () =>
            {
                var f = faults.Start(new FaultSpec { Kind = "publish-fail", Count = 1 });
                await s.CommandAsync($"AT+MQTTPUB=0,\"{topic}\",\"x\",1,0", InMemoryModem.Error);
                return f;
            }, _ => Task.FromResult(true)),
            await MeasureAsync("urc-in-prompt", "the URC in the next PUBRAW prompt", samples, async () =>
            {
                var f = faults.Start(new FaultSpec { Kind = "urc-in-prompt" });
                await s.CommandAsync($"AT+MQTTPUBRAW=0,\"{topic}\",1,0,0", "\r\nOK\r\n+TIME_UPDATED\r\n\r\n>");
                return f;
            }, async _ =>
            {
                await s.SendAsync("x");
                await s.ExpectAsync("\r\n+MQTTPUBRAW:OK\r\n");
                return true;
            }),
            await MeasureAsync("wifi-drop", "WIFI DISCONNECT, +MQTTDISCONNECTED:0", Math.Min(samples, 100), async () =>
            {
                var f = faults.Start(new FaultSpec { Kind = "wifi-drop" });
                await s.ExpectAsync("WIFI DISCONNECT\r\n+MQTTDISCONNECTED:0\r\n");
                return f;
            }, async f =>
            {
                faults.End(f.Id);
                await s.ExpectAsync("WIFI CONNECTED\r\nWIFI GOT IP\r\n");
                await ReconnectAsync(s, broker.Port);
                return true;
            }),
            await MeasureAsync("broker-unreachable", "+MQTTDISCONNECTED:0", Math.Min(samples, 100), async () =>
            {
                var f = faults.Start(new FaultSpec { Kind = "broker-unreachable", Seconds = 600 });
                await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
                return f;
            }, async f =>
            {
                faults.End(f.Id);
                await ReconnectAsync(s, broker.Port);
                return true;
            }),
        };

        var section = new FaultLatencySection("FaultSet.Start in process -> first byte of the effect at the host (in-memory modem, MQTTnet broker in process)", rows);
        Console.WriteLine($"{"fault",-20} {"effect",-46} {"n",5} {"p50 ms",8} {"p99 ms",8} {"max ms",8}");
        foreach (var r in rows)
        {
            Console.WriteLine($"{r.Kind,-20} {r.Effect,-46} {r.Samples,5} {r.P50Ms,8:F3} {r.P99Ms,8:F3} {r.MaxMs,8:F3}");
        }

        Results.Save("faults", section, "MQTTnet in process");
        return 0;
    }

    private static async Task ReconnectAsync(InMemoryModem s, int port)
    {
        await s.CommandAsync("AT+MQTTCLEAN=0", InMemoryModem.Ok);
        await s.UserConfigAsync("bench-faults");
        await s.ConnectAsync(port);
    }

    private static async Task<FaultLatencyRow> MeasureAsync(string kind, string effect, int samples, Func<Task<ActiveFault>> start, Func<ActiveFault, Task<bool>> undo)
    {
        var times = new List<double>(samples);
        for (int i = 0; i < samples + 5; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            var fault = await start();
            double ms = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
            await undo(fault);
            if (i >= 5)
            {
                // The first few warm the paths up.
                times.Add(ms);
            }
        }

        return new FaultLatencyRow(kind, effect, samples, Stats.Round(Stats.Median(times)), Stats.Round(Stats.Percentile(times, 99)), Stats.Round(times.Max()));
    }
}
