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
/// </summary>
internal sealed class ChannelSetup
{
    /// <summary>AT+UART_CUR's range.</summary>
    public const int MinBaud = 80;
    public const int MaxBaud = 5_000_000;

    /// <summary>A module's factory rate, used by <c>--serial</c> without <c>--baud</c>.</summary>
    public const int DefaultSerialBaud = 115200;

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

    /// <summary>Checks the channel options; on a problem returns null and says why in <paramref name="error"/>.</summary>
    public static ChannelSetup? Parse(bool stdio, bool tcp, string? tcpConnect, string? pty, string? serial, int? baud, string? transcript, bool monitor, out string? error)
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

            if (pty.Length == 0 || !Directory.Exists(Path.GetDirectoryName(Path.GetFullPath(pty))))
            {
                error = $"--pty: the folder of '{pty}' does not exist.";
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
        };
    }

    /// <summary>The <c>--transcript</c> / <c>--monitor</c> recorder, or null when neither was asked for.</summary>
    public TrafficRecorder? CreateRecorder(string version)
    {
        var sinks = new List<ITrafficSink>();
        if (TranscriptPath is not null)
        {
            sinks.Add(new TranscriptFile(TranscriptPath, version));
        }

        if (Monitor)
        {
            sinks.Add(MonitorView.ForStandardError());
        }

        return sinks.Count == 0 ? null : new TrafficRecorder(sinks);
    }

    /// <summary>For <c>GET /api/info</c>; <paramref name="listener"/>: the <c>--tcp</c> socket, listening already.</summary>
    public Control.ChannelInfo Info(Socket? listener)
    {
        var (kind, address, path) = PtyPath is not null ? ("pty", null, Path.GetFullPath(PtyPath))
            : SerialDevice is not null ? ("serial", null, SerialDevice)
            : Connect is { } c ? ("tcp-connect", c.Host.Contains(':', StringComparison.Ordinal) ? $"[{c.Host}]:{c.Port}" : $"{c.Host}:{c.Port}", null)
            : listener is not null ? ("tcp", Endpoints.Show(listener.LocalEndPoint), null)
            : ("stdio", (string?)null, (string?)null);
        return new Control.ChannelInfo(kind, address, path, Baud);
    }

    /// <summary>For the start-up log line.</summary>
    public string Describe(IPEndPoint? listen)
    {
        string channel = PtyPath is not null ? $"pty {PtyPath}"
            : SerialDevice is not null ? $"serial {SerialDevice}"
            : Connect is { } c ? $"tcp-connect {c.Host}:{c.Port}"
            : listen is not null ? $"tcp {listen}"
            : "stdio";
        return Baud is int baud ? $"{channel}, paced at {baud} baud" : channel;
    }

    /// <summary>
    /// Runs the chosen channel until it ends, <paramref name="cancellationToken"/> fires, or the
    /// process is asked to stop (SIGTERM, SIGINT, SIGHUP): the channel then ends cleanly, so that
    /// <c>--pty</c> removes its link and the transcript is complete.
    /// </summary>
    /// <param name="listener">The <c>--tcp</c> socket, listening already (<see cref="TcpListenChannel.Listen"/>); null for the other channels.</param>
    public async Task RunAsync(HostLine line, Socket? listener, ILoggerFactory loggers, CancellationToken cancellationToken)
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
            await RunChannelAsync(line, listener, loggers, stop.Token).ConfigureAwait(false);
        }
        finally
        {
            foreach (var registration in signals)
            {
                registration.Dispose();
            }
        }
    }

    private Task RunChannelAsync(HostLine line, Socket? listener, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (PtyPath is not null)
        {
            return new PtyChannel(line, PtyPath, loggers.CreateLogger("AtMqtt.Pty")).RunAsync(cancellationToken);
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
