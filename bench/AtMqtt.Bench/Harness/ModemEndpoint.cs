using System.Diagnostics;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using AtMqtt.Cli.Channels;
using AtMqtt.Core;
using AtMqtt.Core.Dialects;
using AtMqtt.Testing;

namespace AtMqtt.Bench.Harness;

/// <summary>What a modem under test is configured with.</summary>
/// <param name="DirectChannel">In-process: serve the host through SocketHostPipe (TcpListenChannel.DirectReader) instead of the default NetworkStream.</param>
internal sealed record ModemSetup(bool EspAt = false, int RxQueue = 1000, int MaxPubRaw = 65536, IReadOnlyList<string>? ProgramArgs = null, bool DirectChannel = false);

/// <summary>A modem listening on a loopback TCP port, either in this process or as the atmqtt program.</summary>
internal abstract class ModemEndpoint : IAsyncDisposable
{
    public required IPEndPoint EndPoint { get; init; }

    /// <summary>"in-process" or "atmqtt process".</summary>
    public abstract string Kind { get; }

    /// <summary>QoS 0 messages the modem dropped (in-process only; -1 when unknown).</summary>
    public abstract long Qos0Dropped { get; }

    public static async Task<ModemEndpoint> StartAsync(string mode, ModemSetup setup) =>
        mode == "process" ? await ProcessModem.StartAsync(setup) : InProcessModem.Start(setup);

    /// <summary>
    /// Connects a host, turns echo off (as host firmware does) and brings the MQTT link up to
    /// <paramref name="broker"/> with a fresh client id.
    /// </summary>
    public AtClient ConnectHost(BrokerHandle broker, string clientId)
    {
        var host = AttachHost();
        host.Command("ATE0");
        host.Command("AT+MQTTCLEAN=0"); // a previous host may have left the link up
        host.Command($"AT+MQTTUSERCFG=0,1,\"{clientId}\",\"\",\"\",0,0,\"\"");
        host.Command($"AT+MQTTCONN=0,\"{broker.Host}\",{broker.Port},0");
        return host;
    }

    public abstract ValueTask DisposeAsync();

    /// <summary>Connects a host and waits for <c>ready</c>; retries while the previous host is still being let go.</summary>
    private AtClient AttachHost()
    {
        for (int attempt = 1; ; attempt++)
        {
            var host = AtClient.Connect(EndPoint);
            try
            {
                host.WaitFor("ready\r\n"u8);
                return host;
            }
            catch (EndOfStreamException) when (attempt < 50)
            {
                host.Dispose();
                Thread.Sleep(50);
            }
        }
    }
}

/// <summary>
/// A <see cref="Modem"/> hosted here exactly as <c>atmqtt --tcp</c> hosts it (TcpListenChannel: a
/// NetworkStream wrapped in a 4 KB PipeReader and a PipeWriter, Nagle off), one host at a time; or, with
/// <see cref="ModemSetup.DirectChannel"/>, through <see cref="SocketHostPipe"/> (TcpListenChannel.DirectReader).
/// </summary>
internal sealed class InProcessModem : ModemEndpoint
{
    private readonly Socket _listener;
    private readonly CancellationTokenSource _stop = new();
    private Task _accept = Task.CompletedTask;

    private InProcessModem(Modem modem, Socket listener)
    {
        Modem = modem;
        _listener = listener;
    }

    public Modem Modem { get; }

    /// <summary>Through SocketHostPipe (see <see cref="ModemSetup.DirectChannel"/>).</summary>
    public bool DirectChannel { get; init; }

    public override string Kind => "in-process";

    public override long Qos0Dropped => Modem.Urcs.Qos0Dropped;

    public static InProcessModem Start(ModemSetup setup)
    {
        var options = new ModemOptions
        {
            Dialect = setup.EspAt ? Dialect.EspAt(setup.MaxPubRaw) : Dialect.Seed,
            RxQueue = setup.RxQueue,
        };
        var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(4);
        var modem = new InProcessModem(new Modem(options), listener) { EndPoint = (IPEndPoint)listener.LocalEndPoint!, DirectChannel = setup.DirectChannel };
        modem._accept = modem.AcceptLoopAsync();
        return modem;
    }

    public override async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Dispose();
        try
        {
            await _accept.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or TimeoutException)
        {
        }

        await Modem.DisposeAsync();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await _listener.AcceptAsync(_stop.Token);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            socket.NoDelay = true;
            try
            {
                if (!DirectChannel)
                {
                    await using var stream = new NetworkStream(socket, ownsSocket: true);
                    var input = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 4096, leaveOpen: true));
                    var output = PipeWriter.Create(stream, new StreamPipeWriterOptions(leaveOpen: true));
                    await Modem.RunAsync(new HostPipe(input, output), _stop.Token);
                    await input.CompleteAsync();
                    await output.CompleteAsync();
                }
                else
                {
                    await using var pipe = new SocketHostPipe(socket);
                    await Modem.RunAsync(pipe, _stop.Token);
                }
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }
    }
}

/// <summary>The built atmqtt program (the one copied beside this benchmark), <c>--tcp 127.0.0.1:PORT</c>.</summary>
internal sealed class ProcessModem : ModemEndpoint
{
    private readonly Process _process;

    private ProcessModem(Process process) => _process = process;

    public override string Kind => "atmqtt process";

    public override long Qos0Dropped => -1;

    public static async Task<ProcessModem> StartAsync(ModemSetup setup)
    {
        int port = FreePort.Get();
        var args = new List<string> { "--tcp", $"127.0.0.1:{port}", "--log-level", "Warning", "--rx-queue", setup.RxQueue.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (setup.EspAt)
        {
            args.AddRange(["--dialect", "esp-at", "--max-pubraw", setup.MaxPubRaw.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }

        args.AddRange(setup.ProgramArgs ?? []);
        var psi = AtMqttProgram.StartInfo(args);
        psi.RedirectStandardError = true;
        var process = Process.Start(psi) ?? throw new InvalidOperationException("atmqtt did not start");
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        var modem = new ProcessModem(process) { EndPoint = new IPEndPoint(IPAddress.Loopback, port) };
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        while (!await FreePort.IsAcceptingAsync(port, TimeSpan.FromMilliseconds(500)))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await modem.DisposeAsync();
                throw new InvalidOperationException($"atmqtt did not listen on {port}");
            }

            await Task.Delay(20);
        }

        return modem;
    }

    public override async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
        }

        _process.Dispose();
    }
}

/// <summary>Where the built atmqtt program is: beside this benchmark (the project references it).</summary>
internal static class AtMqttProgram
{
    public static string Describe => File.Exists(AppHost) ? AppHost : "dotnet " + Dll;

    private static string AppHost => Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "atmqtt.exe" : "atmqtt");

    private static string Dll => Path.Combine(AppContext.BaseDirectory, "atmqtt.dll");

    public static ProcessStartInfo StartInfo(IEnumerable<string> args)
    {
        ProcessStartInfo psi;
        if (File.Exists(AppHost))
        {
            psi = new ProcessStartInfo(AppHost);
        }
        else
        {
            psi = new ProcessStartInfo("dotnet");
            psi.ArgumentList.Add(Dll);
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        psi.UseShellExecute = false;
        psi.WorkingDirectory = AppContext.BaseDirectory;
        return psi;
    }
}

internal sealed record HostPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
