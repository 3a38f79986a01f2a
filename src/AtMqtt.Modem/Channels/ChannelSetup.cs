using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using AtMqtt.Cli.Transcript;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Cli.Channels;

/// <summary>
/// Which channel the command line asked for (SPEC section 6), checked before anything starts, and
/// how to run it: <c>--stdio</c> (default), <c>--tcp</c>, <c>--tcp-connect</c>, <c>--pty</c> or
/// <c>--serial</c>, with <c>--baud</c> pacing, <c>--transcript</c> and <c>--monitor</c> on any of them.
/// With <c>--count N</c> (docs/fleet.md) it is a template for N channels: <c>{n}</c> in a <c>--pty</c> or
/// <c>--transcript</c> path is the modem's index (0-based), and <c>--tcp</c> listens on N ports from PORT.
/// </summary>
internal sealed class ChannelSetup
{
    /// <summary>AT+UART_CUR's range.</summary>
    public const int MinBaud = 80;
    public const int MaxBaud = 5_000_000;

    /// <summary>A module's factory rate, used by <c>--serial</c> without <c>--baud</c>.</summary>
    public const int DefaultSerialBaud = 115200;

    /// <summary>What a path template's modem index is written as.</summary>
    public const string IndexMark = "{n}";

    private ChannelSetup()
    {
    }

    public string? PtyPath { get; private init; }

    public string? SerialDevice { get; private init; }

    public (string Host, int Port)? Connect { get; private init; }

    /// <summary>The pacing rate; null: not paced.</summary>
    public int? Baud { get; private init; }

    public string? TranscriptPath { get; private init; }

    public bool Monitor { get; private init; }

    /// <summary>How many modems (<c>--count</c>); each gets its own channel from the template.</summary>
    public int Count { get; private init; } = 1;

    /// <summary>Modem <paramref name="index"/>'s <c>--pty</c> link (the template with <c>{n}</c> filled in).</summary>
    public string? PtyPathFor(int index) => PtyPath is null ? null : Expand(PtyPath, index);

    /// <summary>Modem <paramref name="index"/>'s <c>--transcript</c> file.</summary>
    public string? TranscriptPathFor(int index) => TranscriptPath is null ? null : Expand(TranscriptPath, index);

    /// <summary><paramref name="template"/> with every <c>{n}</c> replaced by <paramref name="index"/>.</summary>
    public static string Expand(string template, int index) =>
        template.Replace(IndexMark, index.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);

    /// <summary>Checks the channel options; on a problem returns null and says why in <paramref name="error"/>.</summary>
    public static ChannelSetup? Parse(bool stdio, bool tcp, string? tcpConnect, string? pty, string? serial, int? baud, string? transcript, bool monitor, out string? error) =>
        Parse(stdio, tcp, tcpConnect, pty, serial, baud, transcript, monitor, 1, out error);

    /// <summary>
    /// <see cref="Parse(bool, bool, string?, string?, string?, int?, string?, bool, out string?)"/> for <paramref name="count"/>
    /// modems: more than one needs a channel that can be multiplied (<c>--pty</c> with <c>{n}</c>, <c>--tcp</c>) and a
    /// <c>--transcript</c> with <c>{n}</c>.
    /// </summary>
    public static ChannelSetup? Parse(bool stdio, bool tcp, string? tcpConnect, string? pty, string? serial, int? baud, string? transcript, bool monitor, int count, out string? error)
    {
        error = null;
        var chosen = new List<string>();
        if (stdio)
        {
            chosen.Add("--stdio");
        }

        if (tcp)
        {
            chosen.Add("--tcp");
        }

        if (tcpConnect is not null)
        {
            chosen.Add("--tcp-connect");
        }

        if (pty is not null)
        {
            chosen.Add("--pty");
        }

        if (serial is not null)
        {
            chosen.Add("--serial");
        }

        if (chosen.Count > 1)
        {
            error = $"Choose one channel: {string.Join(", ", chosen)} were given.";
            return null;
        }

        if (count > 1 && FleetError(chosen, pty, transcript, monitor, count) is { } fleetError)
        {
            error = fleetError;
            return null;
        }

        if (baud is < MinBaud or > MaxBaud)
        {
            error = $"--baud: {baud} is outside {MinBaud}..{MaxBaud} (AT+UART_CUR's range).";
            return null;
        }

        (string, int)? connect = null;
        if (tcpConnect is not null)
        {
            if (!Endpoints.TrySplit(tcpConnect, 1, out string host, out int port))
            {
                error = $"--tcp-connect: '{tcpConnect}' is not HOST:PORT.";
                return null;
            }

            connect = (host, port);
        }

        if (pty is not null)
        {
            if (PtyChannel.Unsupported() is { } why)
            {
                error = why;
                return null;
            }

            if (pty.Length == 0 || !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(Expand(pty, 0)))))
            {
                error = $"--pty: the folder of '{pty}' does not exist.";
                return null;
            }

            if (count > 1 && !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(Expand(pty, count - 1)))))
            {
                error = $"--pty: the folder of '{Expand(pty, count - 1)}' (modem {count - 1}) does not exist.";
                return null;
            }
        }

        if (serial is { Length: 0 })
        {
            error = "--serial: name a device, such as /dev/ttyUSB0.";
            return null;
        }

        if (serial is not null && Directory.Exists(serial))
        {
            error = $"--serial: {serial} is a folder, not a device.";
            return null;
        }

        return new ChannelSetup
        {
            PtyPath = pty,
            SerialDevice = serial,
            Connect = connect,
            Baud = baud ?? (serial is not null ? DefaultSerialBaud : null),
            TranscriptPath = transcript,
            Monitor = monitor,
            Count = count,
        };
    }

    /// <summary>Why these options cannot serve <paramref name="count"/> modems, or null.</summary>
    private static string? FleetError(List<string> chosen, string? pty, string? transcript, bool monitor, int count)
    {
        string? channel = chosen.Count == 1 ? chosen[0] : null;
        if (channel is null or "--stdio" or "--serial" or "--tcp-connect")
        {
            return $"--count {count}: {(channel is null ? "--stdio (the default)" : channel)} serves one modem; give each its own channel with --pty PATH (PATH with {IndexMark}, the modem's index from 0: /tmp/ttyAT{IndexMark}) or --tcp HOST:PORT (ports PORT to PORT+{count - 1}).";
        }

        if (pty is not null && !pty.Contains(IndexMark, StringComparison.Ordinal))
        {
            return $"--count {count}: --pty {pty} is one path for {count} modems; put {IndexMark} in it for the modem's index (0-based), such as /tmp/ttyAT{IndexMark}.";
        }

        if (transcript is not null && !transcript.Contains(IndexMark, StringComparison.Ordinal))
        {
            return $"--count {count}: --transcript {transcript} is one file for {count} modems; put {IndexMark} in it for the modem's index (0-based), such as modem{IndexMark}.txt.";
        }

        if (monitor)
        {
            return $"--count {count}: --monitor shows one modem's traffic; record each modem's with --transcript FILE (FILE with {IndexMark}).";
        }

        return null;
    }

    /// <summary>The <c>--transcript</c> / <c>--monitor</c> recorder, or null when neither was asked for.</summary>
    public TrafficRecorder? CreateRecorder(string version) => CreateRecorder(version, 0);

    /// <summary>Modem <paramref name="index"/>'s <c>--transcript</c> / <c>--monitor</c> recorder, or null when neither was asked for.</summary>
    public TrafficRecorder? CreateRecorder(string version, int index)
    {
        var sinks = new List<ITrafficSink>();
        if (TranscriptPathFor(index) is { } path)
        {
            sinks.Add(new TranscriptFile(path, version));
        }

        if (Monitor)
        {
            sinks.Add(MonitorView.ForStandardError());
        }

        return sinks.Count == 0 ? null : new TrafficRecorder(sinks);
    }

    /// <summary>For <c>GET /api/info</c>; <paramref name="listener"/>: the <c>--tcp</c> socket, listening already.</summary>
    public Control.ChannelInfo Info(Socket? listener) => Info(listener, 0);

    /// <summary>Modem <paramref name="index"/>'s channel for the control API.</summary>
    public Control.ChannelInfo Info(Socket? listener, int index)
    {
        var (kind, address, path) = PtyPath is not null ? ("pty", null, Path.GetFullPath(PtyPathFor(index)!))
            : SerialDevice is not null ? ("serial", null, SerialDevice)
            : Connect is { } c ? ("tcp-connect", c.Host.Contains(':', StringComparison.Ordinal) ? $"[{c.Host}]:{c.Port}" : $"{c.Host}:{c.Port}", null)
            : listener is not null ? ("tcp", Endpoints.Show(listener.LocalEndPoint), null)
            : ("stdio", (string?)null, (string?)null);
        return new Control.ChannelInfo(kind, address, path, Baud);
    }

    /// <summary>For the start-up log line.</summary>
    public string Describe(IPEndPoint? listen)
    {
        string channel = Count > 1 ? DescribeFleet(listen)
            : PtyPath is not null ? $"pty {PtyPathFor(0)}"
            : SerialDevice is not null ? $"serial {SerialDevice}"
            : Connect is { } c ? $"tcp-connect {c.Host}:{c.Port}"
            : listen is not null ? $"tcp {listen}"
            : "stdio";
        return Baud is int baud ? $"{channel}, paced at {baud} baud" : channel;
    }

    private string DescribeFleet(IPEndPoint? listen) =>
        PtyPath is not null ? $"{Count} ptys {PtyPathFor(0)} to {PtyPathFor(Count - 1)}"
        : listen is { Port: 0 } ? $"{Count} tcp ports on {listen.Address} (free ones)"
        : $"tcp {listen} to port {listen!.Port + Count - 1}";

    /// <summary>
    /// Runs the chosen channel until it ends, <paramref name="cancellationToken"/> fires, or the
    /// process is asked to stop (SIGTERM, SIGINT, SIGHUP): the channel then ends cleanly, so that
    /// <c>--pty</c> removes its link and the transcript is complete.
    /// </summary>
    /// <param name="listener">The <c>--tcp</c> socket, listening already (<see cref="TcpListenChannel.Listen"/>); null for the other channels.</param>
    public Task RunAsync(HostLine line, Socket? listener, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        RunUntilStoppedAsync(token => RunChannelAsync(line, listener, PtyPathFor(0), loggers, token), loggers, cancellationToken);

    /// <summary>
    /// Runs every modem's channel of a fleet (<paramref name="modems"/>: each one's line, <c>--tcp</c> socket and
    /// logger factory) until they end, as <see cref="RunAsync(HostLine, Socket?, ILoggerFactory, CancellationToken)"/> runs one.
    /// </summary>
    public Task RunAsync(IReadOnlyList<(HostLine Line, Socket? Listener, ILoggerFactory Loggers)> modems, ILoggerFactory loggers, CancellationToken cancellationToken) =>
        RunUntilStoppedAsync(token => RunFleetAsync(modems, token), loggers, cancellationToken);

    /// <summary>Every modem's channel at once; one that fails (a pty that cannot be made) stops the others, as it would stop one modem.</summary>
    private async Task RunFleetAsync(IReadOnlyList<(HostLine Line, Socket? Listener, ILoggerFactory Loggers)> modems, CancellationToken cancellationToken)
    {
        using var failed = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channels = new Task[modems.Count];
        for (int i = 0; i < modems.Count; i++)
        {
            var (line, listener, loggers) = modems[i];
            channels[i] = StopAllOnFailureAsync(RunChannelAsync(line, listener, PtyPathFor(i), loggers, failed.Token), failed);
        }

        await Task.WhenAll(channels).ConfigureAwait(false);
    }

    private static async Task StopAllOnFailureAsync(Task channel, CancellationTokenSource failed)
    {
        try
        {
            await channel.ConfigureAwait(false);
        }
        catch
        {
            await failed.CancelAsync().ConfigureAwait(false);
            throw;
        }
    }

    private static async Task RunUntilStoppedAsync(Func<CancellationToken, Task> run, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var signals = new List<PosixSignalRegistration>();
        if (!OperatingSystem.IsWindows())
        {
            foreach (var signal in new[] { PosixSignal.SIGTERM, PosixSignal.SIGINT, PosixSignal.SIGHUP })
            {
                signals.Add(PosixSignalRegistration.Create(signal, context =>
                {
                    context.Cancel = true;
                    if (!stop.IsCancellationRequested)
                    {
                        // Information, as any asked-for stop: what the stop then closes is no failure either.
                        loggers.CreateLogger("AtMqtt").LogInformation("{Signal}: stopping", context.Signal);
                        stop.Cancel();
                    }
                }));
            }
        }

        try
        {
            await run(stop.Token).ConfigureAwait(false);
        }
        finally
        {
            foreach (var registration in signals)
            {
                registration.Dispose();
            }
        }
    }

    private Task RunChannelAsync(HostLine line, Socket? listener, string? ptyPath, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (ptyPath is not null)
        {
            return new PtyChannel(line, ptyPath, loggers.CreateLogger("AtMqtt.Pty")).RunAsync(cancellationToken);
        }

        if (SerialDevice is not null)
        {
            return new SerialChannel(line, SerialDevice, loggers.CreateLogger("AtMqtt.Serial")).RunAsync(cancellationToken);
        }

        if (Connect is { } c)
        {
            return new TcpConnectChannel(line, c.Host, c.Port, loggers.CreateLogger("AtMqtt.TcpConnect")).RunAsync(cancellationToken);
        }

        if (listener is not null)
        {
            return new TcpListenChannel(line, listener, loggers.CreateLogger("AtMqtt.Tcp")).RunAsync(cancellationToken);
        }

        return StdioChannel.RunAsync(line, EnterTerminal(loggers.CreateLogger("AtMqtt.Stdio")), cancellationToken);
    }

    /// <summary>Session mode for a terminal on stdin (see <see cref="StdioTerminal"/>); null for a pipe or a file.</summary>
    private static StdioTerminal? EnterTerminal(ILogger log)
    {
        try
        {
            var terminal = StdioTerminal.TryEnter(0);
            if (terminal is not null)
            {
                log.LogInformation("stdin is a terminal: its own echo and line editing are off until atmqtt exits, so each line shows once, echoed by the modem (ATE0 turns that off); Enter ends a line; Ctrl-C quits");
            }

            return terminal;
        }
        catch (IOException ex)
        {
            log.LogWarning("stdin is a terminal, but its echo could not be turned off ({Reason}): each line will show twice", ex.Message);
            return null;
        }
    }
}
