using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using AtMqtt.Modem.Tests.Support;
using Xunit;

namespace AtMqtt.Modem.Tests.Fleets;

/// <summary>
/// <c>--count N</c> on the real program: N modems behind pty and TCP templates, each answering its own host with its
/// own state and transcript; the options that cannot serve N modems; the open-file limit's refusal.
/// </summary>
public sealed partial class FleetProgramTests
{
    /// <summary>A usage error's whole run, runtime start-up included: generous, the machine runs many test processes at once.</summary>
    private static readonly TimeSpan ExitLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Count_on_ptys_gives_each_modem_its_own_link_state_and_transcript()
    {
        using var dir = new TempDirectory("fleet-pty");
        await using var program = await ModemProcess.StartAndWaitForAsync(
            $"linked at {dir.PathOf("ttyAT2")}", "--count", "3", "--pty", dir.PathOf("ttyAT{n}"), "--transcript", dir.PathOf("modem{n}.txt"));
        Assert.Contains($"on 3 ptys {dir.PathOf("ttyAT0")} to {dir.PathOf("ttyAT2")}", program.StdErr, StringComparison.Ordinal);

        await ProveIndependentAsync(i =>
        {
            Assert.StartsWith("/dev/pts/", new FileInfo(dir.PathOf($"ttyAT{i}")).LinkTarget);
            return Task.FromResult(SerialHost.Open(dir.PathOf($"ttyAT{i}")));
        });

        Assert.Equal(0, await program.TerminateAsync());
        await ProveTranscriptsAsync(dir);
        for (int i = 0; i < 3; i++)
        {
            Assert.False(File.Exists(dir.PathOf($"ttyAT{i}")), $"ttyAT{i} was not removed at exit");
        }
    }

    [Fact]
    public async Task Count_on_tcp_listens_on_consecutive_ports_each_its_own_modem()
    {
        using var dir = new TempDirectory("fleet-tcp");
        int first = FreeRun(3);
        await using var program = await ModemProcess.StartAndWaitForAsync(
            $"Listening for a host on 127.0.0.1:{first + 2}", "--count", "3", "--tcp", $"127.0.0.1:{first}", "--transcript", dir.PathOf("modem{n}.txt"));
        Assert.Contains($"on tcp 127.0.0.1:{first} to port {first + 2}", program.StdErr, StringComparison.Ordinal);

        await ProveIndependentAsync(i => AtHost.ConnectAsync(first + i));

        Assert.Equal(0, await program.TerminateAsync());
        await ProveTranscriptsAsync(dir);
    }

    public static readonly TheoryData<string[], string> NotForAFleet = new()
    {
        {
            ["--count", "2"],
            "--count 2: --stdio (the default) serves one modem; give each its own channel with --pty PATH (PATH with {n}, the modem's index from 0: /tmp/ttyAT{n}) or --tcp HOST:PORT (ports PORT to PORT+1)."
        },
        {
            ["--count", "3", "--serial", "/dev/ttyUSB0"],
            "--count 3: --serial serves one modem; give each its own channel with --pty PATH (PATH with {n}, the modem's index from 0: /tmp/ttyAT{n}) or --tcp HOST:PORT (ports PORT to PORT+2)."
        },
        {
            ["--count", "2", "--pty", "/tmp/ttyAT"],
            "--count 2: --pty /tmp/ttyAT is one path for 2 modems; put {n} in it for the modem's index (0-based), such as /tmp/ttyAT{n}."
        },
        {
            ["--count", "2", "--tcp", "127.0.0.1:0", "--transcript", "/tmp/all.txt"],
            "--count 2: --transcript /tmp/all.txt is one file for 2 modems; put {n} in it for the modem's index (0-based), such as modem{n}.txt."
        },
        {
            ["--count", "2", "--tcp", "127.0.0.1:0", "--monitor"],
            "--count 2: --monitor shows one modem's traffic; record each modem's with --transcript FILE (FILE with {n})."
        },
        {
            ["--count", "2", "--tcp", "127.0.0.1:65535"],
            "--tcp: --count 2 from port 65535 needs ports up to 65536, above 65535; start lower (or at port 0: a free port each)."
        },
        {
            ["--count", "2", "--tcp", "127.0.0.1:0", "--strict"],
            "--count 2: --strict watches one modem; run it with one (--count 1), or drive the fleet's faults through the control API."
        },
    };

    [Theory]
    [MemberData(nameof(NotForAFleet))]
    public async Task Options_that_serve_one_modem_are_a_usage_error_with_count(string[] args, string message)
    {
        await using var program = await ModemProcess.StartAsync(args);
        int code = await program.WaitForExitAsync(ExitLimit);
        Assert.Equal(2, code);
        Assert.Equal(message, program.StdErr.Trim());
    }

    /// <summary>
    /// Under a lowered open-file limit (the shell's <c>ulimit -n</c> before the program starts) a count the limit
    /// cannot serve is refused before anything starts, naming the largest that fits; that largest one then starts,
    /// and its last modem answers.
    /// </summary>
    [Fact]
    public async Task A_count_over_the_open_file_limit_is_refused_naming_the_largest_that_fits()
    {
        using var dir = new TempDirectory("fleet-nofile");
        const int Limit = 400;
        string template = dir.PathOf("ttyAT{n}");
        var (code, stderr) = await RunUnderLimitAsync(Limit, ["--count", "1000", "--pty", template]);
        Assert.Equal(2, code);
        var refusal = Refusal().Match(stderr.Trim());
        Assert.True(refusal.Success, "not the refusal: " + stderr);
        int program = int.Parse(refusal.Groups["program"].Value, CultureInfo.InvariantCulture);
        int largest = int.Parse(refusal.Groups["largest"].Value, CultureInfo.InvariantCulture);
        Assert.Equal(program + (1000 * 2), int.Parse(refusal.Groups["needed"].Value, CultureInfo.InvariantCulture));
        Assert.Equal((Limit - program) / 2, largest);
        Assert.Equal(
            $"--count 1000: the open-file limit is {Limit} (ulimit -n) and 1000 modems need about {program + 2000} (2 each: a pty, a broker connection; {program} for the program). This limit serves at most --count {largest}; raise it (ulimit -n, prlimit, systemd's LimitNOFILE=) for more.",
            stderr.Trim());
        Assert.InRange(largest, 1, 999);
        Assert.Empty(Directory.GetFileSystemEntries(dir.FullName));

        await using var fits = await StartUnderLimitAsync(Limit, ["--count", largest.ToString(CultureInfo.InvariantCulture), "--pty", template]);
        await fits.WaitForStdErrAsync($"linked at {dir.PathOf($"ttyAT{largest - 1}")}", ModemProcessExtensions.StartTimeout);
        await using (var host = SerialHost.Open(dir.PathOf($"ttyAT{largest - 1}")))
        {
            await host.ExpectBytesAsync("ready\r\n");
            await host.OkAsync("AT");
        }

        Assert.Equal(0, await fits.TerminateAsync());
    }

    /// <summary>Host 1 turns its echo off; the others still echo: each modem has its own state.</summary>
    /// <summary>Opens the three modems' hosts with <paramref name="open"/>, each reading its <c>ready</c>, proves them independent, closes them.</summary>
    private static async Task ProveIndependentAsync(Func<int, Task<AtHost>> open)
    {
        var hosts = new List<AtHost>();
        try
        {
            for (int i = 0; i < 3; i++)
            {
                hosts.Add(await open(i));
                await hosts[i].ExpectBytesAsync("ready\r\n");
            }

            await ProveIndependentAsync(hosts);
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.DisposeAsync();
            }
        }
    }

    private static async Task ProveIndependentAsync(List<AtHost> hosts)
    {
        await hosts[1].OkAsync("ATE0");
        for (int i = 0; i < hosts.Count; i++)
        {
            await hosts[i].SendAsync("AT\r\n");
            await hosts[i].ExpectBytesAsync(i == 1 ? "\r\nOK\r\n" : "AT\r\n\r\nOK\r\n");
        }
    }

    /// <summary>Each modem's transcript holds its own host's traffic: ATE0 in modem 1's only.</summary>
    private static async Task ProveTranscriptsAsync(TempDirectory dir)
    {
        for (int i = 0; i < 3; i++)
        {
            string transcript = await File.ReadAllTextAsync(dir.PathOf($"modem{i}.txt"));
            Assert.Contains("h>m AT\\r\\n", transcript, StringComparison.Ordinal);
            Assert.Equal(i == 1, transcript.Contains("ATE0", StringComparison.Ordinal));
        }
    }

    /// <summary>The start of <paramref name="count"/> consecutive ports that are free now.</summary>
    private static int FreeRun(int count)
    {
        for (int attempt = 0; attempt < 100; attempt++)
        {
            int first = Random.Shared.Next(20_000, 60_000);
            var sockets = new List<Socket>();
            try
            {
                for (int i = 0; i < count; i++)
                {
                    var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                    sockets.Add(socket);
                    socket.Bind(new IPEndPoint(IPAddress.Loopback, first + i));
                }

                return first;
            }
            catch (SocketException)
            {
            }
            finally
            {
                sockets.ForEach(s => s.Dispose());
            }
        }

        throw new InvalidOperationException($"no {count} consecutive free ports found");
    }

    private static async Task<(int Code, string Stderr)> RunUnderLimitAsync(int limit, string[] args)
    {
        await using var program = await StartUnderLimitAsync(limit, args);
        int code = await program.WaitForExitAsync(ExitLimit);
        return (code, program.StdErr);
    }

    /// <summary>The program started by a shell that lowered the open-file limit first (soft and hard: .NET raises the soft one to the hard).</summary>
    private static Task<ModemProcess> StartUnderLimitAsync(int limit, string[] args)
    {
        string program = ModemProcess.FindModemProgram();
        var command = new List<string> { "-c", $"ulimit -n {limit} && exec \"$@\"", "sh" };
        if (program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            command.Add(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } dotnet && File.Exists(dotnet) ? dotnet : "dotnet");
        }

        command.Add(program);
        command.AddRange(args);
        return ModemProcess.StartAsync(command, null, "/bin/sh");
    }

    [GeneratedRegex(@"^--count 1000: the open-file limit is \d+ \(ulimit -n\) and 1000 modems need about (?<needed>\d+) \(2 each: a pty, a broker connection; (?<program>\d+) for the program\)\. This limit serves at most --count (?<largest>\d+);")]
    private static partial Regex Refusal();
}
