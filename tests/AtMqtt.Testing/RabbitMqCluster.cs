using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace AtMqtt.Testing;

/// <summary>
/// A RabbitMQ cluster (Debian's <c>rabbitmq-server</c> with the <c>rabbitmq_mqtt</c> plugin) on loopback, started
/// and stopped by the test: each node with its own name (<c>atmqtt-a@localhost</c>, ...), AMQP, MQTT and
/// distribution ports, data and log folders in a temporary directory; one Erlang cookie of its own (a file in the
/// cluster's own <c>HOME</c>, never an argument or a variable) and an epmd of its own on a free port
/// (<c>ERL_EPMD_PORT</c>), bound to loopback as the distribution listeners are (<c>inet_dist_use_interface</c>).
/// The second node joins the first with <c>rabbitmqctl join_cluster</c>. Tests fail (never skip) when RabbitMQ
/// is not installed.
/// </summary>
public sealed class RabbitMqCluster : IAsyncDisposable
{
    /// <summary>Debian's start script, run directly (the <c>/usr/sbin</c> wrapper would switch to the rabbitmq user).</summary>
    public const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    /// <summary>Debian's rabbitmqctl, run directly for the same reason.</summary>
    public const string CtlScript = "/usr/lib/rabbitmq/bin/rabbitmqctl";

    /// <summary>How long a node may take to boot or a rabbitmqctl call to finish: a loaded two-core machine took 23 s to boot two nodes at once.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);

    // Erlang terms in shell-split arguments: the start scripts pass these unquoted, with globbing off.
    private const string LoopbackDistribution = "-kernel inet_dist_use_interface {127,0,0,1}";

    private readonly string _directory;
    private readonly string _home;
    private readonly List<RabbitMqNode> _nodes = [];
    private Process? _epmd;
    private bool _disposed;

    private RabbitMqCluster(string directory)
    {
        _directory = directory;
        _home = Path.Combine(directory, "home");
    }

    /// <summary>The nodes; the first is the one the others joined.</summary>
    public IReadOnlyList<RabbitMqNode> Nodes => _nodes;

    /// <summary>The epmd port of this cluster (its own epmd, on loopback).</summary>
    public int EpmdPort { get; private set; }

    /// <summary>The epmd this cluster started.</summary>
    public int EpmdPid => _epmd?.Id ?? throw new InvalidOperationException("epmd is not running");

    /// <summary>How long <see cref="StartAsync"/> took: every node booted, joined and accepting MQTT.</summary>
    public TimeSpan StartTime { get; private set; }

    /// <summary>The temporary directory holding every node's data, logs and configuration.</summary>
    public string Directory => _directory;

    /// <summary>
    /// Starts <paramref name="nodeCount"/> nodes on loopback, joins every node after the first to the first, and waits
    /// until each accepts MQTT connections. Everything started is stopped again if this fails.
    /// </summary>
    public static async Task<RabbitMqCluster> StartAsync(int nodeCount = 2)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(nodeCount, 1);
        RequireInstalled();
        var started = Stopwatch.StartNew();
        for (int attempt = 1; ; attempt++)
        {
            var cluster = new RabbitMqCluster(System.IO.Directory.CreateTempSubdirectory("atmqtt-rabbitmq-").FullName);
            try
            {
                await cluster.BootAsync(nodeCount);
                cluster.StartTime = started.Elapsed;
                return cluster;
            }
            catch (RabbitMqPortTakenException) when (attempt < 3)
            {
                // A port probed free was taken by someone else before a node bound it: new ports.
                await cluster.DisposeAsync();
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Runs <c>rabbitmqctl -n NODE ARGS...</c> with the cluster's cookie and epmd; returns its output, throws if it fails.</summary>
    public async Task<string> CtlAsync(RabbitMqNode node, params string[] args)
    {
        var psi = new ProcessStartInfo(CtlScript)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = node.Directory,
        };
        psi.ArgumentList.Add("-n");
        psi.ArgumentList.Add(node.Name);
        foreach (var arg in args)
        {
            psi.ArgumentList.Add(arg);
        }

        SetEnvironment(psi, node);
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("rabbitmqctl did not start");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(StartTimeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', args)} on {node.Name} still running after {StartTimeout.TotalSeconds:0} s");
        }

        string output = await stdout + await stderr;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"rabbitmqctl {string.Join(' ', args)} on {node.Name} exited with {process.ExitCode}:\n{output}\nNode log:\n{node.Log}");
        }

        return output;
    }

    /// <summary>Stops every node and the epmd, and deletes the directory.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var node in _nodes)
        {
            node.Kill();
        }

        if (_epmd is { } epmd)
        {
            try
            {
                if (!epmd.HasExited)
                {
                    epmd.Kill();
                }

                await epmd.WaitForExitAsync(new CancellationTokenSource(TimeSpan.FromSeconds(10)).Token);
            }
            catch (Exception ex) when (ex is InvalidOperationException or OperationCanceledException)
            {
                // Best effort: disposal must not mask the test's own failure.
            }

            epmd.Dispose();
        }

        try
        {
            System.IO.Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>Fails with how to install RabbitMQ when Debian's package is missing.</summary>
    private static void RequireInstalled()
    {
        if (File.Exists(ServerScript) && File.Exists(CtlScript) && FindOnPath("epmd") is not null)
        {
            return;
        }

        var ci = string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);
        throw new InvalidOperationException(
            (ci ? "RabbitMQ is required under CI: " : "RabbitMQ is required for these tests: ") +
            $"{ServerScript}, {CtlScript} or epmd not found. Install it with 'apt-get install -y rabbitmq-server'.");
    }

    private static string? FindOnPath(string name)
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private async Task BootAsync(int nodeCount)
    {
        System.IO.Directory.CreateDirectory(_home);
        // The cookie is the cluster's only credential: a file only its owner reads, in a HOME only this cluster uses.
        string cookiePath = Path.Combine(_home, ".erlang.cookie");
        File.WriteAllText(cookiePath, Convert.ToHexString(RandomNumberGenerator.GetBytes(16)));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(cookiePath, UnixFileMode.UserRead);
        }

        EpmdPort = FreePort.Get();
        StartEpmd();
        for (int i = 0; i < nodeCount; i++)
        {
            string letter = ((char)('a' + i)).ToString();
            _nodes.Add(new RabbitMqNode(this, $"atmqtt-{letter}@localhost", Path.Combine(_directory, letter), FreePort.Get(), FreePort.Get(), FreePort.Get()));
        }

        await WaitForEpmdAsync();

        // Booting is mostly CPU: the nodes boot side by side, then the others join the first.
        await Task.WhenAll(_nodes.Select(n => n.StartAsync()));
        foreach (var node in _nodes.Skip(1))
        {
            await CtlAsync(node, "stop_app");
            await CtlAsync(node, "join_cluster", _nodes[0].Name);
            await CtlAsync(node, "start_app");
            await node.WaitForMqttAsync();
        }
    }

    private void StartEpmd()
    {
        // In the foreground (not -daemon) so that it is this process's child, killed with the cluster.
        var psi = new ProcessStartInfo(FindOnPath("epmd")!)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in new[] { "-address", "127.0.0.1", "-port", EpmdPort.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(arg);
        }

        _epmd = Process.Start(psi) ?? throw new InvalidOperationException("epmd did not start");
        _epmd.OutputDataReceived += (_, _) => { };
        _epmd.ErrorDataReceived += (_, _) => { };
        _epmd.BeginOutputReadLine();
        _epmd.BeginErrorReadLine();
    }

    private async Task WaitForEpmdAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (!await FreePort.IsAcceptingAsync(EpmdPort, TimeSpan.FromMilliseconds(500)))
        {
            if (_epmd!.HasExited)
            {
                throw new RabbitMqPortTakenException($"epmd exited (port {EpmdPort} taken?)");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"epmd does not listen on {FreePort.Host}:{EpmdPort}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>The environment of a node and of rabbitmqctl for it: everything of the cluster's own.</summary>
    internal void SetEnvironment(ProcessStartInfo psi, RabbitMqNode node)
    {
        var env = psi.Environment;
        foreach (var key in env.Keys.Where(k => k.StartsWith("RABBITMQ_", StringComparison.Ordinal) || k.StartsWith("ERL_", StringComparison.Ordinal)).ToList())
        {
            env.Remove(key);
        }

        env["HOME"] = _home;
        env["ERL_EPMD_PORT"] = EpmdPort.ToString(CultureInfo.InvariantCulture);
        env["ERL_EPMD_ADDRESS"] = "127.0.0.1";
        env["RABBITMQ_NODENAME"] = node.Name;
        env["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        env["RABBITMQ_NODE_PORT"] = node.AmqpPort.ToString(CultureInfo.InvariantCulture);
        env["RABBITMQ_DIST_PORT"] = node.DistPort.ToString(CultureInfo.InvariantCulture);
        env["RABBITMQ_MNESIA_BASE"] = Path.Combine(node.Directory, "mnesia");
        env["RABBITMQ_LOG_BASE"] = Path.Combine(node.Directory, "log");
        env["RABBITMQ_CONFIG_FILE"] = Path.Combine(node.Directory, "rabbitmq.conf");
        env["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(node.Directory, "enabled_plugins");
        // Not the machine's /etc/rabbitmq/rabbitmq-env.conf.
        env["RABBITMQ_CONF_ENV_FILE"] = Path.Combine(node.Directory, "rabbitmq-env.conf");
        env["RABBITMQ_PID_FILE"] = Path.Combine(node.Directory, "rabbitmq.pid");
        env["RABBITMQ_SERVER_ADDITIONAL_ERL_ARGS"] = LoopbackDistribution;
        // rabbitmqctl is an Erlang node too, with a distribution listener of its own.
        env["RABBITMQ_CTL_ERL_ARGS"] = LoopbackDistribution;
    }
}

/// <summary>One node of a <see cref="RabbitMqCluster"/>: its name, ports and process.</summary>
public sealed class RabbitMqNode
{
    private readonly RabbitMqCluster _cluster;
    private readonly object _logLock = new();
    private readonly StringBuilder _log = new();
    private Process? _process;

    internal RabbitMqNode(RabbitMqCluster cluster, string name, string directory, int amqpPort, int mqttPort, int distPort)
    {
        _cluster = cluster;
        Name = name;
        Directory = directory;
        AmqpPort = amqpPort;
        MqttPort = mqttPort;
        DistPort = distPort;
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "mnesia"));
        System.IO.Directory.CreateDirectory(Path.Combine(directory, "log"));
        // The offline form of `rabbitmq-plugins enable --offline rabbitmq_mqtt`: the file it writes, without
        // booting an Erlang VM for it.
        File.WriteAllText(Path.Combine(directory, "enabled_plugins"), "[rabbitmq_mqtt].\n");
        File.WriteAllText(Path.Combine(directory, "rabbitmq-env.conf"), "");
        File.WriteAllText(Path.Combine(directory, "rabbitmq.conf"), string.Create(CultureInfo.InvariantCulture, $"""
            listeners.tcp.1 = 127.0.0.1:{amqpPort}
            mqtt.listeners.tcp.1 = 127.0.0.1:{mqttPort}
            mqtt.allow_anonymous = true
            mqtt.tcp_listen_options.nodelay = true

            """));
    }

    /// <summary>The Erlang node name, e.g. <c>atmqtt-a@localhost</c>.</summary>
    public string Name { get; }

    /// <summary>The node's folder: configuration, <c>mnesia/</c> (data) and <c>log/</c>.</summary>
    public string Directory { get; }

    /// <summary>The AMQP port on 127.0.0.1.</summary>
    public int AmqpPort { get; }

    /// <summary>The MQTT port on 127.0.0.1 (the rabbitmq_mqtt plugin).</summary>
    public int MqttPort { get; }

    /// <summary>The Erlang distribution port on 127.0.0.1.</summary>
    public int DistPort { get; }

    /// <summary>True while the node's process is alive.</summary>
    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The pid of the start script (the Erlang VM is its child).</summary>
    public int ScriptPid => _process?.Id ?? throw new InvalidOperationException($"{Name} is not running");

    /// <summary>The node's console output across (re)starts, then the tail of its log file.</summary>
    public string Log
    {
        get
        {
            string file = Path.Combine(Directory, "log", Name + ".log");
            string tail = "";
            try
            {
                var lines = File.ReadAllLines(file);
                tail = string.Join('\n', lines.Skip(Math.Max(0, lines.Length - 60)));
            }
            catch (IOException)
            {
            }

            lock (_logLock)
            {
                return $"{_log}\n--- {file} (tail) ---\n{tail}";
            }
        }
    }

    /// <summary>An independent MQTT client of this node.</summary>
    public Task<MqttProbe> ProbeAsync(string? clientId = null, bool cleanSession = true) =>
        MqttProbe.ConnectAsync(FreePort.Host, MqttPort, clientId, cleanSession);

    /// <summary>Stops the node in order (SIGTERM: the script stops the VM as a service stop does) and waits for it.</summary>
    public async Task StopAsync()
    {
        var p = _process ?? throw new InvalidOperationException($"{Name} is not running");
        Signals.Send(p.Id, Signals.Term);
        using var cts = new CancellationTokenSource(RabbitMqCluster.StartTimeout);
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new InvalidOperationException($"{Name} still running {RabbitMqCluster.StartTimeout.TotalSeconds:0} s after SIGTERM. Log:\n{Log}");
        }
    }

    /// <summary><see cref="StopAsync"/>, then the node again with its data: it rejoins its cluster by itself.</summary>
    public async Task RestartAsync()
    {
        await StopAsync();
        await StartAsync();
    }

    /// <summary>Starts the node's process (again, after <see cref="StopAsync"/>) and waits until it accepts MQTT connections.</summary>
    public async Task StartAsync()
    {
        if (IsRunning)
        {
            throw new InvalidOperationException($"{Name} is running");
        }

        _process?.Dispose();
        var psi = new ProcessStartInfo(RabbitMqCluster.ServerScript)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = Directory,
        };
        _cluster.SetEnvironment(psi, this);
        Append($"--- atmqtt test support: starting {Name} (MQTT {MqttPort}, AMQP {AmqpPort}, distribution {DistPort}) ---");
        var p = new Process { StartInfo = psi };
        p.OutputDataReceived += (_, e) => Append(e.Data);
        p.ErrorDataReceived += (_, e) => Append(e.Data);
        p.Start();
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        _process = p;
        await WaitForMqttAsync();
    }

    /// <summary>Waits until the node accepts MQTT connections; fails if it exits first.</summary>
    internal async Task WaitForMqttAsync()
    {
        var deadline = DateTime.UtcNow + RabbitMqCluster.StartTimeout;
        while (!await FreePort.IsAcceptingAsync(MqttPort, TimeSpan.FromMilliseconds(500)))
        {
            if (_process is not { } p || p.HasExited)
            {
                string log = Log;
                // A port probed free and taken meanwhile: the caller retries with other ports.
                if (log.Contains("eaddrinuse", StringComparison.OrdinalIgnoreCase))
                {
                    throw new RabbitMqPortTakenException($"{Name} could not bind a port. Log:\n{log}");
                }

                throw new InvalidOperationException($"{Name} exited while starting. Log:\n{log}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"{Name} did not accept MQTT on {FreePort.Host}:{MqttPort} within {RabbitMqCluster.StartTimeout.TotalSeconds:0} s. Log:\n{Log}");
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Kills the node's whole process tree (the script, the VM and its helpers) and waits briefly.</summary>
    internal void Kill()
    {
        if (_process is not { } p)
        {
            return;
        }

        try
        {
            if (!p.HasExited)
            {
                p.Kill(entireProcessTree: true);
                p.WaitForExit(TimeSpan.FromSeconds(10));
            }
        }
        catch (InvalidOperationException)
        {
            // Exited between the check and the kill.
        }
    }

    private void Append(string? line)
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
}

/// <summary>A node or epmd could not bind a port probed free a moment before; the cluster starts again on others.</summary>
public sealed class RabbitMqPortTakenException(string message) : Exception(message);
