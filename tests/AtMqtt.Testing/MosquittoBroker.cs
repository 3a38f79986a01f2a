using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;

namespace AtMqtt.Testing;

/// <summary>
/// A real mosquitto broker process listening on a free loopback port, configured from a generated
/// file in its own temporary directory. Tests fail (never skip) when mosquitto is not installed.
/// </summary>
public sealed class MosquittoBroker : IAsyncDisposable
{
    /// <summary>Where Debian's package installs the broker.</summary>
    public const string DefaultBinary = "/usr/sbin/mosquitto";

    /// <summary>Placeholder in extra config lines that is replaced with <see cref="ConfigDirectory"/>.</summary>
    public const string DirPlaceholder = "{dir}";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan RebindWindow = TimeSpan.FromSeconds(5);

    private const UnixFileMode DirMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute |
        UnixFileMode.GroupRead | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherExecute;

    private const UnixFileMode FileMode =
        UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly string _binary;
    private readonly IReadOnlyList<string> _extraConfig;
    private readonly object _logLock = new();
    private readonly StringBuilder _log = new();
    private Process? _process;
    private int _generation;
    private bool _disposed;

    private MosquittoBroker(string binary, string directory, IReadOnlyList<string> extraConfig)
    {
        _binary = binary;
        ConfigDirectory = directory;
        ConfigPath = Path.Combine(directory, "mosquitto.conf");
        _extraConfig = extraConfig;
    }

    /// <summary>Always the loopback address.</summary>
    public string Host => FreePort.Host;

    /// <summary>The TCP port the broker listens on; unchanged by <see cref="RestartAsync"/>.</summary>
    public int Port { get; private set; }

    /// <summary>Temporary directory holding the config and any caller-supplied files (world-readable).</summary>
    public string ConfigDirectory { get; }

    /// <summary>Full path of the generated mosquitto.conf.</summary>
    public string ConfigPath { get; }

    /// <summary>True while the broker process is alive.</summary>
    public bool IsRunning
    {
        get
        {
            var p = _process;
            return p is not null && !p.HasExited;
        }
    }

    /// <summary>Everything mosquitto wrote to stdout/stderr across all (re)starts, for diagnostics.</summary>
    public string Log
    {
        get
        {
            lock (_logLock)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>
    /// Starts a broker on a free loopback port and waits until it accepts TCP connections.
    /// </summary>
    /// <param name="extraConfig">Additional mosquitto.conf lines; <c>{dir}</c> is replaced with <see cref="ConfigDirectory"/>.</param>
    /// <param name="files">Files (name relative to <see cref="ConfigDirectory"/> → content) written before start, e.g. a password file.</param>
    public static async Task<MosquittoBroker> StartAsync(
        IEnumerable<string>? extraConfig = null,
        IReadOnlyDictionary<string, string>? files = null)
    {
        var binary = FindBinary();
        var dir = Directory.CreateTempSubdirectory("atmqtt-mosquitto-").FullName;
        var broker = new MosquittoBroker(binary, dir, (extraConfig ?? []).Select(l => l.Replace(DirPlaceholder, dir)).ToList());
        try
        {
            // mosquitto drops privileges when started as root, so everything must be world-readable.
            SetMode(dir, DirMode);
            foreach (var (name, content) in files ?? new Dictionary<string, string>())
            {
                broker.WriteFile(name, content);
            }

            // The free port may be grabbed by someone else between probing and binding; retry with a new one.
            const int attempts = 3;
            for (var attempt = 1; ; attempt++)
            {
                broker.Port = FreePort.Get();
                broker.WriteConfig();
                if (await broker.LaunchAndWaitAsync(StartTimeout))
                {
                    return broker;
                }

                if (attempt == attempts)
                {
                    throw new InvalidOperationException(
                        $"mosquitto failed to start after {attempts} attempts (last port {broker.Port}). Log:\n{broker.Log}");
                }
            }
        }
        catch
        {
            await broker.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts a broker with <paramref name="extraListeners"/> more loopback listeners on free ports chosen
    /// here (TLS, PSK, WebSocket...), and waits until every one of them accepts; retried with other
    /// ports if one was taken meanwhile.
    /// </summary>
    /// <param name="extraListeners">How many extra ports to choose.</param>
    /// <param name="config">The extra mosquitto.conf lines, given the chosen ports.</param>
    /// <param name="files">Files written into <see cref="ConfigDirectory"/> before start (certificates, keys, a PSK file).</param>
    /// <returns>The broker and the chosen ports, in the order given to <paramref name="config"/>.</returns>
    public static async Task<(MosquittoBroker Broker, int[] Ports)> StartWithListenersAsync(
        int extraListeners,
        Func<int[], IEnumerable<string>> config,
        IReadOnlyDictionary<string, string> files)
    {
        for (int attempt = 1; ; attempt++)
        {
            int[] ports = [.. Enumerable.Range(0, extraListeners).Select(_ => FreePort.Get())];
            MosquittoBroker broker;
            try
            {
                broker = await StartAsync(config(ports), files);
            }
            catch (InvalidOperationException ex) when (attempt < 5 && !ex.Message.Contains("is required", StringComparison.Ordinal))
            {
                continue; // a listener port was taken between probing and binding
            }

            // StartAsync waits for the broker's own (first) listener; the extra ones open after it, one by one.
            if (await AllListeningAsync(broker, ports))
            {
                return (broker, ports);
            }

            string log = broker.Log;
            await broker.DisposeAsync();
            if (attempt >= 3)
            {
                throw new InvalidOperationException($"mosquitto does not listen on all of {string.Join(", ", ports)}. Log:\n{log}");
            }
        }
    }

    /// <summary>
    /// A broker that keeps sessions and queued messages across a restart: persistence on, saved in its own
    /// directory when it stops in order (<see cref="TerminateAsync"/>, <see cref="RestartGracefullyAsync"/>)
    /// and, with <paramref name="autosaveEverySecond"/>, also every second (so that a kill loses at most that).
    /// </summary>
    public static Task<MosquittoBroker> StartPersistentAsync(bool autosaveEverySecond = false) =>
        StartAsync(autosaveEverySecond
            ? ["persistence true", $"persistence_location {DirPlaceholder}/", "autosave_on_changes true", "autosave_interval 1"]
            : ["persistence true", $"persistence_location {DirPlaceholder}/"]);

    /// <summary>A broker that accepts only the given users (password file, anonymous clients refused).</summary>
    public static Task<MosquittoBroker> StartWithPasswordsAsync(params (string User, string Password)[] users) =>
        StartAsync(
            ["allow_anonymous false", $"password_file {DirPlaceholder}/passwd"],
            new Dictionary<string, string> { ["passwd"] = string.Concat(users.Select(u => PasswordFileLine(u.User, u.Password) + "\n")) });

    /// <summary>
    /// Builds a mosquitto password-file line (<c>user:$7$...</c>, PBKDF2-SHA512 as written by mosquitto_passwd).
    /// </summary>
    public static string PasswordFileLine(string user, string password)
    {
        const int iterations = 101;
        var salt = RandomNumberGenerator.GetBytes(12);
        var hash = Rfc2898DeriveBytes.Pbkdf2(Encoding.UTF8.GetBytes(password), salt, iterations, HashAlgorithmName.SHA512, 64);
        return $"{user}:$7${iterations}${Convert.ToBase64String(salt)}${Convert.ToBase64String(hash)}";
    }

    /// <summary>Writes a world-readable file into <see cref="ConfigDirectory"/> and returns its full path.</summary>
    public string WriteFile(string name, string content)
    {
        var path = Path.Combine(ConfigDirectory, name);
        File.WriteAllText(path, content);
        SetMode(path, FileMode);
        return path;
    }

    /// <summary>Kills the broker (SIGKILL) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is { } p)
        {
            KillProcess(p);
            await WaitForExitAsync(p, "kill");
        }
    }

    /// <summary>
    /// Stops the broker in order (SIGTERM: it disconnects its clients and writes its persistence file, as a
    /// service restart does) and waits for it to exit.
    /// </summary>
    public async Task TerminateAsync()
    {
        var p = _process ?? throw new InvalidOperationException("mosquitto is not running");
        Signals.Send(p.Id, Signals.Term);
        await WaitForExitAsync(p, "SIGTERM");
    }

    /// <summary><see cref="TerminateAsync"/>, then <see cref="RestartAsync"/> on the same port.</summary>
    public async Task RestartGracefullyAsync()
    {
        await TerminateAsync();
        await RestartAsync();
    }

    /// <summary>Kills the broker without waiting for an orderly shutdown (waits briefly for the exit).</summary>
    public void Kill()
    {
        var p = _process;
        if (p is null)
        {
            return;
        }

        KillProcess(p);
        p.WaitForExit(TimeSpan.FromSeconds(5));
    }

    /// <summary>
    /// Stops the broker and starts it again on the same port, waiting until it accepts connections.
    /// Sessions and retained messages are lost unless persistence is on and they were saved.
    /// </summary>
    public async Task RestartAsync()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        await StopAsync();

        // The old socket may linger briefly; keep relaunching while bind fails.
        var deadline = DateTime.UtcNow + RebindWindow;
        while (true)
        {
            if (await LaunchAndWaitAsync(StartTimeout))
            {
                return;
            }

            if (DateTime.UtcNow >= deadline)
            {
                throw new InvalidOperationException($"mosquitto could not be restarted on port {Port}. Log:\n{Log}");
            }

            await Task.Delay(200);
        }
    }

    /// <summary>Stops mosquitto and deletes its directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        try
        {
            await StopAsync();
        }
        catch (InvalidOperationException)
        {
            // Best effort: disposal must not mask the test's own failure.
        }

        _process?.Dispose();
        _process = null;
        try
        {
            Directory.Delete(ConfigDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string FindBinary()
    {
        if (File.Exists(DefaultBinary))
        {
            return DefaultBinary;
        }

        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "mosquitto");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        throw new InvalidOperationException(
            (ci ? "mosquitto is required under CI: " : "mosquitto is required for these tests: ") +
            $"binary not found at {DefaultBinary} or on PATH. Install it with 'apt-get install -y mosquitto mosquitto-clients'.");
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private async Task WaitForExitAsync(Process p, string after)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new InvalidOperationException($"mosquitto (pid {p.Id}) still running 10 s after {after}. Log:\n{Log}");
        }
    }

    private static void KillProcess(Process p)
    {
        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }

    private void WriteConfig()
    {
        var sb = new StringBuilder();
        // Running as root avoids the privilege drop to 'mosquitto' (files stay world-readable regardless).
        sb.Append("user root\n");
        sb.Append($"listener {Port} {FreePort.Host}\n");
        sb.Append("allow_anonymous true\n");
        sb.Append("persistence false\n");
        sb.Append("max_queued_messages 100000\n");
        sb.Append("max_inflight_messages 20\n");
        foreach (var line in _extraConfig)
        {
            sb.Append(line).Append('\n');
        }

        WriteFile(Path.GetFileName(ConfigPath), sb.ToString());
    }

    private void AppendLog(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_logLock)
        {
            _log.Append(line).Append('\n');
        }
    }

    /// <summary>Launches a new process; true once it accepts connections, false if it exited (e.g. bind failure).</summary>
    private async Task<bool> LaunchAndWaitAsync(TimeSpan timeout)
    {
        _process?.Dispose();
        _generation++;
        AppendLog($"--- atmqtt test support: launch #{_generation} on port {Port} ---");

        var psi = new ProcessStartInfo(_binary)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        psi.ArgumentList.Add("-c");
        psi.ArgumentList.Add(ConfigPath);

        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => AppendLog(e.Data);
        p.ErrorDataReceived += (_, e) => AppendLog(e.Data);
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;

        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (p.HasExited)
            {
                // Let the async readers flush the reason into the log.
                await p.WaitForExitAsync();
                AppendLog($"--- mosquitto exited with code {p.ExitCode} ---");
                return false;
            }

            if (await FreePort.IsAcceptingAsync(Port, TimeSpan.FromMilliseconds(500)))
            {
                // The port could belong to a stranger if our bind failed; make sure we are still alive.
                if (!p.HasExited)
                {
                    return true;
                }
            }
            else
            {
                await Task.Delay(50);
            }
        }

        KillProcess(p);
        await p.WaitForExitAsync();
        throw new InvalidOperationException(
            $"mosquitto did not accept connections on {FreePort.Host}:{Port} within {timeout.TotalSeconds:0} s. Log:\n{Log}");
    }

    /// <summary>True once every port accepts; false if mosquitto exited (a port was taken) or 10 s passed.</summary>
    private static async Task<bool> AllListeningAsync(MosquittoBroker broker, int[] ports)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        foreach (int port in ports)
        {
            while (!await FreePort.IsAcceptingAsync(port, TimeSpan.FromMilliseconds(500)))
            {
                if (!broker.IsRunning || DateTime.UtcNow > deadline)
                {
                    return false;
                }

                await Task.Delay(50);
            }
        }

        return broker.IsRunning;
    }
}
