using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AtMqtt.Bench.Harness;
using AtMqtt.Testing;

namespace AtMqtt.Bench;

internal sealed record StartupSection(string Measured, string Program, double MedianMs, double MinMs, double MaxMs, double[] RunsMs, double BaselineMedianMs, double[] BaselineRunsMs, double Ratio, double LoadAverage = -1);

/// <summary>
/// Figure 6: the built atmqtt program, from process start to <c>ready</c> read by a host on its TCP
/// channel; median of 10 (after one unreported run that warms the disk cache).
/// </summary>
internal static class StartupBench
{
    public static async Task<int> RunAsync(string[] argv)
    {
        var args = BenchArgs.Parse(argv);
        var section = await MeasureAsync(args);
        Results.Save("startup", section, null);
        Report.WriteIfWanted(args);
        return 0;
    }

    public static async Task<StartupSection> MeasureAsync(BenchArgs args)
    {
        int runs = args.Int("runs", 10);
        var times = new List<double>();
        var baseline = new List<double>();
        for (int i = -1; i < runs; i++)
        {
            // Alternate with the baseline: the smallest .NET program that listens and writes ready
            // (this benchmark's own apphost, verb ready-listener), started the same way.
            int port = FreePort.Get();
            double ms = await OnceAsync(AtMqttProgram.StartInfo(["--tcp", $"127.0.0.1:{port}"]), port);
            port = FreePort.Get();
            double floor = await OnceAsync(SelfStartInfo(["ready-listener", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture)]), port);
            if (i >= 0)
            {
                times.Add(Stats.Round(ms, 1));
                baseline.Add(Stats.Round(floor, 1));
            }
        }

        double median = Stats.Median(times), baseMedian = Stats.Median(baseline);
        var section = new StartupSection(DateTime.UtcNow.ToString("u"), AtMqttProgram.Describe, median, times.Min(), times.Max(), [.. times],
            baseMedian, [.. baseline], Stats.Round(baseMedian / median));
        Console.WriteLine($"[startup] {section.Program}: median {section.MedianMs:F0} ms (min {section.MinMs:F0}, max {section.MaxMs:F0}); minimal .NET listener {baseMedian:F0} ms");
        return section;
    }

    /// <summary>The baseline program: <c>ready-listener --port P</c> listens on 127.0.0.1:P, writes ready to one host, exits.</summary>
    public static async Task<int> ReadyListenerAsync(string[] argv)
    {
        var args = BenchArgs.Parse(argv);
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, args.Int("port", 0)));
        listener.Listen(4);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var socket = await listener.AcceptAsync(cts.Token);
        socket.NoDelay = true;
        await socket.SendAsync("ready\r\n"u8.ToArray(), SocketFlags.None, cts.Token);
        var buffer = new byte[16];
        try
        {
            while (await socket.ReceiveAsync(buffer, SocketFlags.None, cts.Token) > 0)
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException)
        {
        }

        return 0;
    }

    private static ProcessStartInfo SelfStartInfo(IEnumerable<string> args)
    {
        string path = Environment.ProcessPath ?? "dotnet";
        var psi = new ProcessStartInfo(path) { UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            psi.ArgumentList.Add(typeof(BenchInfo).Assembly.Location);
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    private static async Task<double> OnceAsync(ProcessStartInfo psi, int port)
    {
        psi.RedirectStandardError = true;
        psi.RedirectStandardOutput = true;
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        var sw = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("atmqtt did not start");
        process.ErrorDataReceived += (_, _) => { };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            return await Task.Run(() =>
            {
                var ready = "ready\r\n"u8.ToArray();
                while (sw.Elapsed < TimeSpan.FromSeconds(20))
                {
                    using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveTimeout = 5000 };
                    try
                    {
                        socket.Connect(endPoint);
                    }
                    catch (SocketException)
                    {
                        if (process.HasExited)
                        {
                            throw new InvalidOperationException($"{psi.FileName} exited with {process.ExitCode} before listening");
                        }

                        Thread.Sleep(1);
                        continue;
                    }

                    var buffer = new byte[64];
                    int got = 0;
                    while (got < ready.Length)
                    {
                        int n = socket.Receive(buffer, got, buffer.Length - got, SocketFlags.None);
                        if (n == 0)
                        {
                            throw new EndOfStreamException("atmqtt closed the channel before ready");
                        }

                        got += n;
                    }

                    double ms = sw.Elapsed.TotalMilliseconds;
                    if (!buffer.AsSpan(0, got).SequenceEqual(ready))
                    {
                        throw new InvalidDataException("the first bytes were not ready\\r\\n");
                    }

                    return ms;
                }

                throw new TimeoutException("atmqtt was not ready within 20 s");
            });
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }
}
