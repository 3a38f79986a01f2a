using System.Diagnostics;
using System.Reflection;
using System.Text;

namespace AtMqtt.Testing;

/// <summary>
/// Runs the real modem program as a child process with stdin, stdout and stderr redirected: a native
/// executable (<c>$ATMQTT_PROGRAM</c>, e.g. the Native AOT build) directly, otherwise <c>dotnet atmqtt.dll ...</c>.
/// Stderr (logs) is collected in the background; stdout is left to the test (e.g. for the stdio channel
/// via <see cref="CreateStdioHost"/>).
/// </summary>
public sealed class ModemProcess : IAsyncDisposable
{
    /// <summary>Environment variable that overrides where atmqtt.dll is looked for.</summary>
    public const string DllOverrideVariable = "ATMQTT_DLL";

    /// <summary>
    /// Environment variable naming a native atmqtt executable (the Native AOT build) to run instead of
    /// <c>dotnet atmqtt.dll</c>; it wins over <see cref="DllOverrideVariable"/>, and a wrong path is an error.
    /// </summary>
    public const string ProgramOverrideVariable = "ATMQTT_PROGRAM";

    private const string DllName = "atmqtt.dll";

    /// <summary>The environment variables the modem reads secrets from; only a test's own <c>environment</c> sets them.</summary>
    private static readonly string[] SecretVariables = ["ATMQTT_PSK", "ATMQTT_WIFI"];

    private readonly Process _process;
    private readonly object _stderrLock = new();
    private readonly StringBuilder _stderr = new();
    private TaskCompletionSource _stderrChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _disposed;
    private bool _released;
    private int? _exitCode;

    private ModemProcess(Process process, string programPath)
    {
        _process = process;
        ProgramPath = programPath;
    }

    /// <summary>What was started: an atmqtt.dll (run by <c>dotnet</c>) or a native executable.</summary>
    public string ProgramPath { get; }

    /// <summary>The process ID.</summary>
    public int Pid => _process.Id;

    /// <summary>True once the program has exited (always after <see cref="DisposeAsync"/>).</summary>
    public bool HasExited => _released || _process.HasExited;

    /// <summary>Exit code; only valid once <see cref="HasExited"/> is true (kept after <see cref="DisposeAsync"/>).</summary>
    public int ExitCode => _released ? _exitCode ?? throw new InvalidOperationException("the program had not exited when it was disposed") : _process.ExitCode;

    /// <summary>The modem's standard input (raw bytes).</summary>
    public Stream Stdin => _process.StandardInput.BaseStream;

    /// <summary>The modem's standard output (raw bytes). Nothing else reads it.</summary>
    public Stream Stdout => _process.StandardOutput.BaseStream;

    /// <summary>Everything the modem wrote to stderr so far, one line per log line.</summary>
    public string StdErr
    {
        get
        {
            lock (_stderrLock)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Starts the program (<see cref="FindModemProgram()"/>) with <paramref name="args"/>.</summary>
    public static Task<ModemProcess> StartAsync(params string[] args) => StartAsync(args, null);

    /// <summary>GNU env, which starts the program with <see cref="DefaultSignals"/>.</summary>
    public const string Env = "/usr/bin/env";

    /// <summary>env's option that gives the program the default SIGINT and SIGQUIT, whatever the test run inherited.</summary>
    public const string DefaultSignals = "--default-signal=INT,QUIT";

    /// <summary>
    /// Starts the program with extra environment variables (a null value removes one).
    /// ATMQTT_PSK and ATMQTT_WIFI are not inherited: they are set only when given here.
    /// <paramref name="programPath"/> overrides <see cref="FindModemProgram()"/>: a path ending in <c>.dll</c> is run by
    /// <c>dotnet</c>, anything else is executed directly.
    /// </summary>
    public static Task<ModemProcess> StartAsync(
        IEnumerable<string> args,
        IReadOnlyDictionary<string, string?>? environment,
        string? programPath = null)
    {
        var program = programPath is null ? FindModemProgram() : Path.GetFullPath(programPath);
        bool managed = program.EndsWith(".dll", StringComparison.OrdinalIgnoreCase);
        // A test run started in the background (CI, nohup, `cmd &`) inherits SIGINT and SIGQUIT ignored, which
        // exec keeps and the .NET runtime honours: a Ctrl-C test would then test nothing. GNU env resets them to
        // the default, as an interactive shell starts a program, and execs it (same pid).
        string file = managed ? FindDotnet() : program;
        bool resetSignals = OperatingSystem.IsLinux() && File.Exists(Env);
        var psi = new ProcessStartInfo(resetSignals ? Env : file)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardErrorEncoding = Encoding.UTF8,
            WorkingDirectory = Path.GetDirectoryName(program)!,
        };
        if (resetSignals)
        {
            psi.ArgumentList.Add(DefaultSignals);
            psi.ArgumentList.Add(file);
        }

        if (managed)
        {
            psi.ArgumentList.Add(program);
        }

        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        // A secret set in the test run's own environment must not provision every modem under test.
        foreach (var secret in SecretVariables)
        {
            psi.Environment.Remove(secret);
        }

        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null)
            {
                psi.Environment.Remove(key);
            }
            else
            {
                psi.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = psi };
        var modem = new ModemProcess(process, program);
        process.ErrorDataReceived += (_, e) => modem.AppendStderr(e.Data);
        process.Start();
        process.BeginErrorReadLine();
        return Task.FromResult(modem);
    }

    /// <summary>
    /// Environment variable naming the atmqtt program for users' own tests (AtMqtt.Testing, the Python plugin):
    /// a native executable, the .NET tool's command, or an atmqtt.dll (run by <c>dotnet</c>). A wrong path is an error.
    /// </summary>
    public const string UserProgramVariable = "ATMQTT";

    /// <summary>The program's name on PATH (the .NET tool's command, a release's binary).</summary>
    public const string CommandName = "atmqtt";

    /// <summary>
    /// The program every test runs: <c>$ATMQTT_PROGRAM</c> (a native executable) when it is set, else
    /// <c>$ATMQTT</c>, else <see cref="FindModemDll"/>'s places (the suite's own build), else <c>atmqtt</c> on
    /// PATH or in <c>~/.dotnet/tools</c>. A set but unusable variable throws rather than quietly testing another build.
    /// </summary>
    public static string FindModemProgram() => FindModemProgramFrom(Environment.GetEnvironmentVariable);

    /// <summary><see cref="FindModemProgram()"/> with the value of <c>$ATMQTT_PROGRAM</c> given (null or empty: not set).</summary>
    public static string FindModemProgram(string? programOverride) =>
        FindModemProgramFrom(name => name == ProgramOverrideVariable ? programOverride : Environment.GetEnvironmentVariable(name));

    /// <summary><see cref="FindModemProgram()"/> with the environment variables read through <paramref name="environment"/>.</summary>
    public static string FindModemProgramFrom(Func<string, string?> environment)
    {
        ArgumentNullException.ThrowIfNull(environment);
        var programOverride = environment(ProgramOverrideVariable);
        if (!string.IsNullOrEmpty(programOverride))
        {
            return CheckExecutable(programOverride, ProgramOverrideVariable);
        }

        var user = environment(UserProgramVariable);
        if (!string.IsNullOrEmpty(user))
        {
            return user.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? CheckDll(user, UserProgramVariable) : CheckExecutable(user, UserProgramVariable);
        }

        var searched = new List<string>();
        if (TryFindModemDll(searched, environment) is { } dll)
        {
            return dll;
        }

        if (FindOnPath(searched, environment) is { } command)
        {
            return command;
        }

        throw new FileNotFoundException(
            $"Could not find the atmqtt program. Install it (dotnet tool install --global atmqtt, or a release's binary on PATH), " +
            $"or name it: {UserProgramVariable}=/path/to/atmqtt (an executable or atmqtt.dll), or AtMqttModemOptions.ProgramPath. " +
            $"Searched: {string.Join(", ", searched)}");
    }

    /// <summary>
    /// Finds atmqtt.dll: <c>$ATMQTT_DLL</c>, next to the test assembly, then the modem project's build
    /// output under the repository root (current configuration first, then the newest build).
    /// </summary>
    public static string FindModemDll()
    {
        var searched = new List<string>();
        return TryFindModemDll(searched, Environment.GetEnvironmentVariable) ?? throw new FileNotFoundException(
            $"Could not find a runnable {DllName} (with atmqtt.runtimeconfig.json beside it). Build src/AtMqtt.Modem " +
            $"or set {DllOverrideVariable}. Searched: {string.Join(", ", searched)}; repo root: {FindRepoRoot() ?? "(not found)"}");
    }

    private static string? TryFindModemDll(List<string> searched, Func<string, string?> environment)
    {
        var overridePath = environment(DllOverrideVariable);
        if (!string.IsNullOrEmpty(overridePath))
        {
            if (IsRunnable(overridePath))
            {
                return Path.GetFullPath(overridePath);
            }

            searched.Add(overridePath);
        }

        var local = Path.Combine(AppContext.BaseDirectory, DllName);
        if (IsRunnable(local))
        {
            return local;
        }

        searched.Add(local);

        var root = FindRepoRoot();
        if (root is not null)
        {
            var bin = Path.Combine(root, "src", "AtMqtt.Modem", "bin");
            var config = typeof(ModemProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
            var preferred = Path.Combine(bin, config, "net10.0", DllName);
            if (IsRunnable(preferred))
            {
                return preferred;
            }

            searched.Add(preferred);
            if (Directory.Exists(bin))
            {
                var newest = Directory.EnumerateFiles(bin, DllName, SearchOption.AllDirectories)
                    .Where(IsRunnable)
                    .OrderByDescending(File.GetLastWriteTimeUtc)
                    .FirstOrDefault();
                if (newest is not null)
                {
                    return newest;
                }
            }
        }

        return null;
    }

    /// <summary><c>atmqtt</c> in a PATH directory, then in <c>~/.dotnet/tools</c> (where <c>dotnet tool install --global</c> puts it).</summary>
    private static string? FindOnPath(List<string> searched, Func<string, string?> environment)
    {
        var directories = (environment("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).ToList();
        var home = environment("HOME");
        if (!string.IsNullOrEmpty(home))
        {
            directories.Add(Path.Combine(home, ".dotnet", "tools"));
        }

        foreach (var directory in directories)
        {
            var candidate = Path.Combine(directory, CommandName);
            if (File.Exists(candidate) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & UnixFileMode.UserExecute) != 0))
            {
                return Path.GetFullPath(candidate);
            }
        }

        searched.Add($"{CommandName} on PATH and in ~/.dotnet/tools");
        return null;
    }

    private static string CheckExecutable(string value, string variable)
    {
        var path = Path.GetFullPath(value);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{variable} names {path}, which does not exist.", path);
        }

        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) == 0)
        {
            throw new InvalidOperationException($"{variable} names {path}, which is not executable.");
        }

        return path;
    }

    private static string CheckDll(string value, string variable)
    {
        var path = Path.GetFullPath(value);
        if (!IsRunnable(path))
        {
            throw new FileNotFoundException($"{variable} names {path}, which is not a runnable atmqtt.dll (with atmqtt.runtimeconfig.json beside it).", path);
        }

        return path;
    }

    /// <summary>
    /// The arguments as every user of the machine can read them (<c>/proc/PID/cmdline</c>, Linux),
    /// separated by spaces.
    /// </summary>
    public string VisibleCommandLine() => File.ReadAllText($"/proc/{Pid}/cmdline").Replace('\0', ' ');

    /// <summary>An <see cref="AtHost"/> over the modem's stdout (read) and stdin (write).</summary>
    public AtHost CreateStdioHost() => new(Stdout, Stdin);

    /// <summary>Kills the whole process tree immediately (SIGKILL).</summary>
    public void Kill()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }

    /// <summary>Waits for the process to exit and returns its exit code; throws <see cref="TimeoutException"/> otherwise.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException(
                $"Modem (pid {_process.Id}) still running after {timeout.TotalMilliseconds:0} ms. Stderr:\n{StdErr}");
        }

        return _process.ExitCode;
    }

    /// <summary>Waits until stderr contains <paramref name="text"/>; returns the whole stderr so far.</summary>
    public async Task<string> WaitForStdErrAsync(string text, TimeSpan? timeout = null)
    {
        var t = timeout ?? TimeSpan.FromSeconds(10);
        var sw = Stopwatch.StartNew();
        while (true)
        {
            Task changed;
            lock (_stderrLock)
            {
                var all = _stderr.ToString();
                if (all.Contains(text, StringComparison.Ordinal))
                {
                    return all;
                }

                changed = _stderrChanged.Task;
            }

            var remaining = t - sw.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"Modem stderr did not contain \"{text}\" within {t.TotalMilliseconds:0} ms. Stderr:\n{StdErr}");
            }

            if (_process.HasExited)
            {
                // Output may still be flushing; give it a moment, then give up.
                await _process.WaitForExitAsync();
                if (!StdErr.Contains(text, StringComparison.Ordinal))
                {
                    throw new InvalidOperationException(
                        $"Modem exited (code {_process.ExitCode}) before stderr contained \"{text}\". Stderr:\n{StdErr}");
                }

                continue;
            }

            try
            {
                // Poll periodically too, so an exit is noticed even without new output.
                await changed.WaitAsync(remaining < TimeSpan.FromMilliseconds(200) ? remaining : TimeSpan.FromMilliseconds(200));
            }
            catch (TimeoutException)
            {
            }
        }
    }

    /// <summary>Kills the program (if still running), waits for it to exit and releases the process.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Kill();
        try
        {
            await WaitForExitAsync(TimeSpan.FromSeconds(10));
        }
        catch (TimeoutException)
        {
            // Nothing more can be done; do not mask the test's own outcome.
        }

        if (_process.HasExited)
        {
            _exitCode = _process.ExitCode;
        }

        _released = true;
        _process.Dispose();
    }

    private static bool IsRunnable(string dll) =>
        File.Exists(dll) && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json"));

    private static string? FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AtMqtt.sln")) ||
                File.Exists(Path.Combine(dir.FullName, "AtMqtt.slnx")) ||
                Directory.Exists(Path.Combine(dir.FullName, "src", "AtMqtt.Modem")))
            {
                return dir.FullName;
            }
        }

        return null;
    }

    private static string FindDotnet()
    {
        // Prefer the very host running the tests, so the same runtime set is used.
        var hostPath = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(hostPath) && File.Exists(hostPath))
        {
            return hostPath;
        }

        var processPath = Environment.ProcessPath;
        if (processPath is not null &&
            Path.GetFileNameWithoutExtension(processPath).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            return processPath;
        }

        return "dotnet";
    }

    private void AppendStderr(string? line)
    {
        if (line is null)
        {
            return;
        }

        TaskCompletionSource old;
        lock (_stderrLock)
        {
            _stderr.Append(line).Append('\n');
            old = _stderrChanged;
            _stderrChanged = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        old.TrySetResult();
    }
}
