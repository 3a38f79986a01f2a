using System.Diagnostics;
using System.Text;
using AtMqtt.Cli.Channels;

namespace AtMqtt.Modem.Tests.Support;

/// <summary>
/// The modem run by a person at a terminal: a session of its own (<c>setsid</c>) whose controlling
/// terminal is the slave of a pseudo-terminal the test made, as stdin and stdout, or as stderr only.
/// The test holds the master, the person's keyboard and screen. Stderr not on the terminal is collected.
/// </summary>
internal sealed class TerminalModem : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stderr = new();
    private readonly Lock _gate = new();

    private TerminalModem(Process process)
    {
        _process = process;
    }

    public int Pid => _process.Id;

    public string StdErr
    {
        get
        {
            lock (_gate)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts atmqtt with stdin and stdout on <paramref name="tty"/>; stderr is collected.</summary>
    public static TerminalModem OnStdio(string tty, params string[] args) => Start(tty, "exec \"$@\" <\"$ATMQTT_TTY\" >\"$ATMQTT_TTY\"", args, null);

    /// <summary>Starts atmqtt with stderr on <paramref name="tty"/>, stdin and stdout pipes (stdin closed at once: the program ends).</summary>
    public static TerminalModem OnStderr(string tty, IReadOnlyDictionary<string, string>? environment, params string[] args) =>
        Start(tty, "exec \"$@\" 2>\"$ATMQTT_TTY\" </dev/null", args, environment);

    /// <summary>
    /// Opens the slave <paramref name="tty"/> for the test, as a second user of the terminal: the master
    /// then never sees a hang-up while the modem starts or after it has gone (a pty master reports one
    /// whenever the slave, once opened, has no opener left).
    /// </summary>
    public static int Hold(string tty)
    {
        int fd = Libc.Open(tty, Libc.ORdWr | Libc.ONoCtty | Libc.OCloExec);
        return fd >= 0 ? fd : throw Libc.Error($"open {tty}");
    }

    /// <summary>A terminal's settings as tcgetattr returns them, through a descriptor from <see cref="Hold"/>.</summary>
    public static byte[] Settings(int fd)
    {
        var termios = new byte[Libc.TermiosSize];
        if (Libc.TcGetAttr(fd, termios) != 0)
        {
            throw Libc.Error("tcgetattr");
        }

        return termios;
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"atmqtt (pid {Pid}) still running after {timeout.TotalSeconds:0} s. Stderr:\n{StdErr}");
        }

        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }

            await _process.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
        }
        catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
        {
        }

        _process.Dispose();
    }

    private static TerminalModem Start(string tty, string script, string[] args, IReadOnlyDictionary<string, string>? environment)
    {
        // setsid: a new session, whose first terminal opened (the slave) becomes its controlling one, so
        // Ctrl-C typed on the master is a SIGINT to the modem as on a real terminal.
        var psi = new ProcessStartInfo("setsid")
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardErrorEncoding = Encoding.UTF8,
        };
        // The program the suite runs (ModemProcess.FindModemProgram): a native $ATMQTT_PROGRAM directly, a dll through dotnet.
        string program = ModemProcess.FindModemProgram();
        string[] command = program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? [Dotnet(), program] : [program];
        // env: SIGINT and SIGQUIT at their defaults, as from an interactive shell (see ModemProcess.DefaultSignals).
        foreach (string arg in new[] { "sh", "-c", script, "sh", ModemProcess.Env, ModemProcess.DefaultSignals }.Concat(command).Concat(args))
        {
            psi.ArgumentList.Add(arg);
        }

        psi.Environment["ATMQTT_TTY"] = tty;
        psi.Environment.Remove("ATMQTT_PSK");
        psi.Environment.Remove("ATMQTT_WIFI");
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            psi.Environment[key] = value;
        }

        var process = new Process { StartInfo = psi };
        var modem = new TerminalModem(process);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lock (modem._gate)
                {
                    modem._stderr.Append(e.Data).Append('\n');
                }
            }
        };
        process.Start();
        process.BeginErrorReadLine();
        process.StandardInput.Close();
        return modem;
    }

    private static string Dotnet()
    {
        string? host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(host) && File.Exists(host))
        {
            return host;
        }

        string? self = Environment.ProcessPath;
        return self is not null && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }
}
