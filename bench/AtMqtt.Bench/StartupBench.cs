using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using AtMqtt.Bench.Harness;
using AtMqtt.Testing;

namespace AtMqtt.Bench;

/// <summary>One program's start-up runs: times from process start to <c>ready</c>, and resident memory once idle.</summary>
internal sealed record StartupProgram(
    string Name,
    string Command,
    long? FileBytes,
    double MedianMs,
    double P90Ms,
    double MinMs,
    double MaxMs,
    double[] RunsMs,
    double IdleRssMedianKb,
    double[] IdleRssKb,
    double Ratio);

internal sealed record StartupSection(string Measured, string Commit, int Runs, double IdleSeconds, StartupProgram[] Programs, double LoadAverage = -1)
{
    public StartupProgram? Find(string name) => Programs?.FirstOrDefault(p => p.Name == name);
}

/// <summary>
/// Figure 6: from process start to <c>ready\r\n</c> read by a host on the TCP channel, and the resident set
/// size once idle after it, for the Native AOT atmqtt, the framework-dependent one (<c>dotnet atmqtt.dll</c>),
/// the smallest native program that does the same job (a C listener compiled here with cc) and the smallest
/// .NET one; N runs each, alternating, after one unreported run each.
/// </summary>
internal static class StartupBench
{
    public const string Native = "native C listener";
    public const string Aot = "atmqtt, Native AOT";
    public const string Framework = "atmqtt, framework-dependent";
    public const string DotnetListener = ".NET listener, framework-dependent";

    /// <summary>Each program runs at most this many times: a start-up figure needs no more.</summary>
    private const int MaxRuns = 50;

    private const string ListenerSource = """
        // The start-up floor: what atmqtt --tcp does before ready, and nothing else.
        #include <arpa/inet.h>
        #include <netinet/in.h>
        #include <stdlib.h>
        #include <sys/socket.h>
        #include <unistd.h>

        int main(int argc, char **argv) {
            if (argc < 2) return 2;
            int s = socket(AF_INET, SOCK_STREAM, 0);
            struct sockaddr_in a = {0};
            a.sin_family = AF_INET;
            a.sin_port = htons((unsigned short)atoi(argv[1]));
            a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
            if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof a) != 0 || listen(s, 4) != 0) return 1;
            int c = accept(s, 0, 0);
            if (c < 0 || write(c, "ready\r\n", 7) != 7) return 1;
            char b[64];
            while (read(c, b, sizeof b) > 0) {}
            return 0;
        }
        """;

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
        int runs = Math.Clamp(args.Int("runs", args.Quick ? 3 : 10), 1, MaxRuns);
        double idleSeconds = args.Quick ? 0.5 : 1.0;
        string work = Directory.CreateTempSubdirectory("atmqtt-startup-").FullName;
        try
        {
            string aot = FindAot(args);
            string listener = CompileListener(work);
            var programs = new (string Name, Func<int, ProcessStartInfo> Start, string Command, string? File)[]
            {
                (Native, port => Psi(listener, port.ToString(CultureInfo.InvariantCulture)), "ready-listener PORT (C, cc -O2)", null),
                (Aot, port => Psi(aot, "--tcp", $"127.0.0.1:{port}"), "atmqtt --tcp 127.0.0.1:PORT", aot),
                (Framework, port => Psi(Dotnet, AtMqttDll, "--tcp", $"127.0.0.1:{port}"), "dotnet atmqtt.dll --tcp 127.0.0.1:PORT", null),
                (DotnetListener, port => Psi(Dotnet, typeof(BenchInfo).Assembly.Location, "ready-listener", "--port", port.ToString(CultureInfo.InvariantCulture)),
                    "dotnet AtMqtt.Bench.dll ready-listener --port PORT", null),
            };

            var times = programs.Select(_ => new List<double>()).ToArray();
            var rss = programs.Select(_ => new List<double>()).ToArray();
            for (int i = -1; i < runs; i++)
            {
                // Round-robin, so that load from elsewhere on the machine falls on every program alike.
                for (int p = 0; p < programs.Length; p++)
                {
                    int port = FreePort.Get();
                    var (ms, kb) = await OnceAsync(programs[p].Start(port), port, TimeSpan.FromSeconds(idleSeconds));
                    if (i >= 0)
                    {
                        times[p].Add(Stats.Round(ms, 1));
                        rss[p].Add(kb);
                    }
                }
            }

            double nativeMedian = Stats.Median(times[0]);
            var rows = programs.Select((p, k) => new StartupProgram(
                p.Name, p.Command, p.File is null ? null : new FileInfo(p.File).Length,
                Stats.Median(times[k]), Stats.Percentile(times[k], 90), times[k].Min(), times[k].Max(), [.. times[k]],
                Stats.Median(rss[k]), [.. rss[k]], Stats.Round(nativeMedian / Stats.Median(times[k])))).ToArray();
            foreach (var r in rows)
            {
                Console.WriteLine($"[startup] {r.Name,-36} median {r.MedianMs,6:F1} ms, p90 {r.P90Ms,6:F1} ms, idle RSS {r.IdleRssMedianKb / 1024,5:F1} MB, ratio {r.Ratio:F3}");
            }

            return new StartupSection(DateTime.UtcNow.ToString("u", CultureInfo.InvariantCulture), MachineInfo.Current.Commit, runs, idleSeconds, rows);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    /// <summary>The .NET baseline program: <c>ready-listener --port P</c> listens on 127.0.0.1:P, writes ready to one host, exits.</summary>
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

    private static string AtMqttDll => Path.Combine(AppContext.BaseDirectory, "atmqtt.dll");

    private static string Dotnet
    {
        get
        {
            string? path = Environment.ProcessPath;
            if (path is not null && Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
            {
                return path;
            }

            return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";
        }
    }

    /// <summary>
    /// The Native AOT program: <c>--aot PATH</c>, else <c>$ATMQTT_PROGRAM</c>, else artifacts/publish/linux-x64/atmqtt
    /// (scripts/publish-aot.sh), published now if it is not there.
    /// </summary>
    private static string FindAot(BenchArgs args)
    {
        string? given = args.Extra.TryGetValue("aot", out var a) ? a : Environment.GetEnvironmentVariable(ModemProcess.ProgramOverrideVariable);
        if (!string.IsNullOrEmpty(given))
        {
            return File.Exists(given) ? Path.GetFullPath(given) : throw new FileNotFoundException($"no Native AOT atmqtt at {given}");
        }

        string published = Path.Combine(Results.RepoRoot, "artifacts", "publish", "linux-x64", "atmqtt");
        if (!File.Exists(published))
        {
            Console.WriteLine("[startup] publishing the Native AOT atmqtt (scripts/publish-aot.sh, a minute or two)...");
            Run(Path.Combine(Results.RepoRoot, "scripts", "publish-aot.sh"), Results.RepoRoot);
        }

        return published;
    }

    private static string CompileListener(string work)
    {
        string exe = Path.Combine(work, "ready-listener");
        string source = Path.Combine(work, "ready-listener.c");
        File.WriteAllText(source, ListenerSource);
        Run("cc", work, "-O2", "-o", exe, source);
        return exe;
    }

    private static void Run(string file, string directory, params string[] args)
    {
        var psi = Psi(file, args);
        psi.WorkingDirectory = directory;
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"{file} did not start");
        process.WaitForExit();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}");
        }
    }

    private static ProcessStartInfo Psi(string file, params string[] args)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        return psi;
    }

    /// <summary>
    /// Starts the program and connects to it until it answers; returns the time until <c>ready\r\n</c> was read,
    /// and VmRSS after <paramref name="idle"/> with the host still attached.
    /// </summary>
    private static async Task<(double Ms, double RssKb)> OnceAsync(ProcessStartInfo psi, int port, TimeSpan idle)
    {
        psi.RedirectStandardError = true;
        psi.RedirectStandardOutput = true;
        var endPoint = new IPEndPoint(IPAddress.Loopback, port);
        var sw = Stopwatch.StartNew();
        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"{psi.FileName} did not start");
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
                            throw new EndOfStreamException($"{psi.FileName} closed the channel before ready");
                        }

                        got += n;
                    }

                    double ms = sw.Elapsed.TotalMilliseconds;
                    if (!buffer.AsSpan(0, got).SequenceEqual(ready))
                    {
                        throw new InvalidDataException("the first bytes were not ready\\r\\n");
                    }

                    // Idle: the host stays attached and sends nothing; then what the process holds in memory.
                    Thread.Sleep(idle);
                    return (ms, RssKb(process.Id));
                }

                throw new TimeoutException($"{psi.FileName} was not ready within 20 s");
            });
        }
        finally
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    /// <summary>VmRSS of a process, in KB (Linux /proc), or NaN.</summary>
    private static double RssKb(int pid)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return double.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return double.NaN;
    }
}
