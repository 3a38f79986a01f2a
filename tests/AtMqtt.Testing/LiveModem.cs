using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace AtMqtt.Testing;

/// <summary>
/// The real atmqtt program as a child process on <c>--tcp 127.0.0.1:&lt;free port&gt;</c>, with a host
/// attached that has already read <c>ready\r\n</c>. Hosts may leave and come back (the modem outlives
/// them); a raw, non-reading host can be attached to play a host that stops reading.
/// </summary>
public sealed class LiveModem : IAsyncDisposable
{
    /// <summary>Generous: several modems, brokers and hosts share two cores.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private AtHost? _host;

    private LiveModem(ModemProcess process, int tcpPort, string boot)
    {
        Process = process;
        TcpPort = tcpPort;
        Boot = boot;
    }

    /// <summary>What the module writes first to each host: <c>ready\r\n</c>, or a cellular profile's boot lines.</summary>
    public string Boot { get; }

    /// <summary>The modem program.</summary>
    public ModemProcess Process { get; }

    /// <summary>The loopback port the modem listens on for its host.</summary>
    public int TcpPort { get; }

    /// <summary>The attached host; replaced by <see cref="AttachAsync"/>.</summary>
    public AtHost Host => _host ?? throw new InvalidOperationException("No AtHost attached.");

    /// <summary>Starts the modem with <paramref name="extraArgs"/> and attaches a host.</summary>
    public static async Task<LiveModem> StartAsync(params string[] extraArgs)
    {
        var modem = await StartDetachedAsync(extraArgs);
        try
        {
            await modem.AttachAsync();
            return modem;
        }
        catch
        {
            await modem.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the modem and waits until it listens; no host attached.</summary>
    public static async Task<LiveModem> StartDetachedAsync(params string[] extraArgs)
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort.Get();
            var process = await ModemProcess.StartAsync(["--tcp", $"{FreePort.Host}:{port}", .. extraArgs]);
            try
            {
                await process.WaitForStdErrAsync("Listening for a host on", ModemProcessExtensions.StartTimeout);
                return new LiveModem(process, port, BootOf(extraArgs));
            }
            catch (InvalidOperationException) when (attempt < 5)
            {
                // Exited early: its port was taken meanwhile. Try another.
                await process.DisposeAsync();
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }
    }

    // The boot lines of the profile the arguments ask for (the program writes them where a Wi-Fi module writes "ready").
    private static string BootOf(string[] args)
    {
#if ATMQTT_CORE
        int at = Array.IndexOf(args, "--profile");
        if (at >= 0 && at + 1 < args.Length && Core.Profiles.Profile.FromName(args[at + 1]) is { } profile)
        {
            return profile.Boot;
        }
#endif
        return "ready\r\n";
    }

    /// <summary>
    /// Connects a new <see cref="AtHost"/> and checks that <c>ready\r\n</c> comes first. Someone else
    /// may hold the line for a moment (a previous host being let go, or a parallel test's readiness probe
    /// that FreePort sent to the same port): the modem's refusal is retried a bounded number of times.
    /// </summary>
    public async Task AttachAsync()
    {
        for (int attempt = 1; ; attempt++)
        {
            var host = await AtHost.ConnectAsync(TcpPort, Timeout);
            string first;
            try
            {
                first = Encoding.Latin1.GetString(await host.ReadExactlyAsync(7, Timeout));
                if (first == Boot[..7] && Boot.Length > 7)
                {
                    first += Encoding.Latin1.GetString(await host.ReadExactlyAsync(Boot.Length - 7, Timeout));
                }
            }
            catch
            {
                await host.DisposeAsync();
                throw;
            }

            if (first == Boot)
            {
                _host = host;
                return;
            }

            await host.DisposeAsync();
            if (!first.StartsWith("ERROR", StringComparison.Ordinal) || attempt == 5)
            {
                Assert.Fail($"Expected \"{AtHost.Escape(Boot)}\" first, got \"{AtHost.Escape(first)}\".");
            }

            // Refused as a second host: the previous one is still being let go. Try again after a pause (a
            // retry's backoff: the modem lets a host go within its own bounded drain, logged only in part).
            await Task.Delay(300);
        }
    }

    /// <summary>
    /// Connects a host that reads nothing after <c>ready\r\n</c>, with a small receive buffer so the
    /// modem's writes back up soon. Wrap it in an <see cref="AtHost"/> (<see cref="Reading"/>) to read later.
    /// </summary>
    public async Task<Socket> AttachSilentAsync(int receiveBuffer = 16 * 1024)
    {
        for (int attempt = 1; ; attempt++)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = receiveBuffer };
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, TcpPort));
            var ready = new byte[7];
            int n = 0;
            using var cts = new CancellationTokenSource(Timeout);
            while (n < ready.Length)
            {
                int got = await socket.ReceiveAsync(ready.AsMemory(n), SocketFlags.None, cts.Token);
                if (got == 0)
                {
                    break;
                }

                n += got;
            }

            if (n == 7 && Encoding.ASCII.GetString(ready) == "ready\r\n")
            {
                return socket;
            }

            socket.Dispose();
            if (!Encoding.Latin1.GetString(ready, 0, n).StartsWith("ERROR", StringComparison.Ordinal) || attempt == 5)
            {
                Assert.Fail($"Expected \"ready\\r\\n\" first, got \"{AtHost.Escape(Encoding.Latin1.GetString(ready, 0, n))}\".");
            }

            await Task.Delay(300); // a retry's backoff, as in AttachAsync
        }
    }

    /// <summary>Starts reading a silent host: an <see cref="AtHost"/> over it (which owns the socket).</summary>
    public static AtHost Reading(Socket socket) => new(new NetworkStream(socket, ownsSocket: true));

    /// <summary>Closes the attached host and waits until the modem has let it go.</summary>
    public async Task DetachAsync()
    {
        int before = HostsGone();
        if (_host is not null)
        {
            await _host.DisposeAsync();
            _host = null;
        }

        await WaitHostGoneAsync(before);
    }

    /// <summary>Closes the current host (if any) and connects a new one, which must get <c>ready\r\n</c>.</summary>
    public async Task ReattachAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
            _host = null;
        }

        await AttachAsync();
    }

    /// <summary>Waits until the modem logs that more than <paramref name="before"/> hosts disconnected.</summary>
    public async Task WaitHostGoneAsync(int before)
    {
        var sw = Stopwatch.StartNew();
        while (HostsGone() <= before)
        {
            Assert.True(sw.Elapsed < Timeout, "The modem did not notice the host leaving. Stderr:\n" + Process.StdErr);
            await Task.Delay(50);
        }
    }

    /// <summary>How many "Host ... disconnected" lines the modem logged.</summary>
    public int HostsGone() =>
        Process.StdErr.Split('\n').Count(l => l.Contains("Host ", StringComparison.Ordinal) && l.EndsWith(" disconnected", StringComparison.Ordinal));

    /// <summary>Sends <paramref name="line"/> and returns everything through its final result.</summary>
    public Task<string> CommandAsync(string line, TimeSpan? timeout = null) => Host.CommandAsync(line, timeout ?? Timeout);

    /// <inheritdoc cref="AtHost.ExpectAsync"/>
    public Task ExpectAsync(string line, string response, TimeSpan? timeout = null) => Host.ExpectAsync(line, response, timeout ?? Timeout);

    /// <summary>Asserts that <paramref name="line"/> answers exactly its echo and <c>\r\nOK\r\n</c>.</summary>
    public Task OkAsync(string line) => Host.OkAsync(line, Timeout);

    /// <summary>
    /// Fails if the modem writes anything within <paramref name="quiet"/>: for what must not happen where no
    /// marker (a command's answer, a later message) can show that it did not.
    /// </summary>
    public async Task AssertSilentAsync(TimeSpan quiet)
    {
        string got = await Host.DrainAsync(quiet, quiet + TimeSpan.FromSeconds(1));
        Assert.True(got.Length == 0, $"Expected no output, got \"{AtHost.Escape(got)}\"");
    }

    /// <inheritdoc cref="AtHost.ExpectBytesAsync"/>
    public Task ExpectBytesAsync(string expected, TimeSpan? timeout = null) => Host.ExpectBytesAsync(expected, timeout ?? Timeout);

    /// <inheritdoc cref="AtHost.ConnectLinkAsync"/>
    public Task ConnectLinkAsync(string clientId, int port, int reconnect = 0, string? connCfg = null, string user = "", string password = "") =>
        Host.ConnectLinkAsync(clientId, port, reconnect, connCfg, user, password, Timeout);

    /// <summary>The exact successful CONN response after the echo.</summary>
    public static string ConnectedResponse(int port, int reconnect) => ConnectedUrc(port, reconnect) + "\r\nOK\r\n";

    /// <summary><c>+MQTTCONNECTED:0,1,"127.0.0.1",port,reconnect\r\n</c> (seed dialect).</summary>
    public static string ConnectedUrc(int port, int reconnect) => $"+MQTTCONNECTED:0,1,\"{FreePort.Host}\",{port},{reconnect}\r\n";

    /// <summary>The exact URC for one received message; <paramref name="payload"/> is Latin-1 (one char per byte).</summary>
    public static string SubRecv(string topic, string payload) =>
        $"+MQTTSUBRECV:0,\"{topic}\",{payload.Length},{payload}\r\n";

    /// <summary>The modem process's resident set size (VmRSS), in bytes.</summary>
    public long Rss() => ResidentBytes(Process.Pid);

    /// <summary>The resident set size (VmRSS) of process <paramref name="pid"/>, in bytes.</summary>
    public static long ResidentBytes(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                var kb = line["VmRSS:".Length..].Trim().Split(' ')[0];
                return long.Parse(kb, CultureInfo.InvariantCulture) * 1024;
            }
        }

        throw new InvalidOperationException($"No VmRSS in /proc/{pid}/status");
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await Process.DisposeAsync();
    }
}
