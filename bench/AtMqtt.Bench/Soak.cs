using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AtMqtt.Testing;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace AtMqtt.Bench;

/// <summary>
/// <c>soak</c>: mixed publish and subscribe traffic at QoS 0, 1 and 2 through the real modem program
/// for a long time (default 10 minutes) while mosquitto is restarted every minute, by SIGTERM and
/// SIGKILL in turn (<c>--signal</c>), with persistence on and saved every second; both publishers pause
/// for longer than that before a SIGKILL (<c>--quiesce-ms</c>), so that the broker's file holds every
/// session and message it acknowledged, even across a crash.
/// Prints, for each direction and QoS, what was sent, acknowledged, received and lost, and the modem's
/// memory at the start and the end. Exit code 1 if a QoS 1 or 2 message was lost.
///
/// Outbound: the host publishes with AT+MQTTPUB; "acknowledged" is OK; an independent subscriber
/// (persistent session, QoS 2) receives. Inbound: an MQTTnet publisher publishes; "acknowledged" is
/// its PUBACK/PUBCOMP (for QoS 0, written); the host receives +MQTTSUBRECV. Lost = acknowledged but
/// never received.
/// </summary>
internal static class Soak
{
    private sealed record Options(TimeSpan Duration, TimeSpan RestartEvery, int OutRate, int InRate, string Signal, TimeSpan Quiesce);

    /// <summary>The signal of restart number <paramref name="n"/> (from 0): TERM, KILL, or both in turn.</summary>
    private static string SignalOf(Options options, int n) => options.Signal switch
    {
        "term" => "TERM",
        "kill" => "KILL",
        _ => n % 2 == 0 ? "TERM" : "KILL",
    };

    public static async Task<int> RunAsync(string[] args)
    {
        var options = Parse(args);
        if (options is null)
        {
            Console.Error.WriteLine("usage: soak [--minutes N (10)] [--restart-seconds S (60)] [--out-rate N/s (150)] [--in-rate N/s (150)] [--signal term|kill|both (both)] [--quiesce-ms N (1500)]");
            return 2;
        }

        string run = Guid.NewGuid().ToString("N")[..8];
        string outTopic = $"soak/{run}/out";
        string inTopic = $"soak/{run}/in";
        Console.WriteLine($"soak {run}: {options.Duration.TotalMinutes:0.#} min, broker restart every {options.RestartEvery.TotalSeconds:0} s (SIG{(options.Signal == "both" ? "TERM and SIGKILL in turn" : options.Signal.ToUpperInvariant())}, persistence on), " +
            $"out {options.OutRate}/s, in {options.InRate}/s, QoS 0/1/2 in turn");

        // Saved every second (saving at every change makes mosquitto itself the bottleneck at these
        // rates); the pause before each SIGKILL is longer than that, so the file holds everything the
        // broker acknowledged.
        await using var broker = await MosquittoBroker.StartAsync(["persistence true", $"persistence_location {MosquittoBroker.DirPlaceholder}/", "autosave_interval 1"]);
        var (modemProcess, modemPort) = await StartModemAsync();
        await using var modem = modemProcess;
        using var host = await Host.ConnectAsync(modemPort);
        await host.CommandAsync("ATE0");
        await host.ExpectOkAsync($"AT+MQTTUSERCFG=0,1,\"soak-modem-{run}\",\"\",\"\",0,0,\"\"");
        await host.ExpectOkAsync("AT+MQTTCONNCFG=0,30,1,\"\",\"\",0,0");
        await host.ExpectOkAsync($"AT+MQTTCONN=0,\"{FreePort.Host}\",{broker.Port},1");
        await host.ExpectOkAsync($"AT+MQTTSUB=0,\"{inTopic}/#\",2");
        host.CountUrcs = true;

        await using var subscriber = new Client(broker.Port, $"soak-sub-{run}", cleanSession: false, subscribe: $"{outTopic}/#");
        await using var publisher = new Client(broker.Port, $"soak-pub-{run}", cleanSession: true, subscribe: null);
        await subscriber.ConnectAsync(CancellationToken.None);
        await publisher.ConnectAsync(CancellationToken.None);

        await Task.Delay(1000);
        long rssStart = Rss(modem.Pid);
        long rssPeak = rssStart;
        var outStats = new Direction();
        var inStats = new Direction();
        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource(options.Duration);
        int restarts = 0;
        int kills = 0;

        // Closed for a moment before each SIGKILL: both publishers wait, so that every message the broker
        // acknowledged is in its file when it dies (mosquitto saves snapshots, not a journal: what it
        // acknowledged in the last milliseconds before a crash is lost by mosquitto itself, whatever its
        // clients do). Deliveries to the modem and the subscriber keep flowing through the kill.
        Task publishing = Task.CompletedTask;

        var outbound = Task.Run(async () =>
        {
            long n = 0;
            while (!stop.IsCancellationRequested)
            {
                if (!await PaceAsync(n, options.OutRate, clock, stop.Token))
                {
                    break;
                }

                await publishing;
                int qos = (int)(n % 3);
                string payload = $"out-q{qos}-{n:D8}";
                outStats.Sent[qos]++;
                string result = await host.CommandAsync($"AT+MQTTPUB=0,\"{outTopic}/q{qos}\",\"{payload}\",{qos},0");
                if (result == "OK")
                {
                    outStats.Acked[qos].Add(payload);
                }
                else if (result != "ERROR")
                {
                    throw new InvalidOperationException($"AT+MQTTPUB answered {result}");
                }

                n++;
            }
        });

        var inbound = Task.Run(async () =>
        {
            long n = 0;
            while (!stop.IsCancellationRequested)
            {
                if (!await PaceAsync(n, options.InRate, clock, stop.Token))
                {
                    break;
                }

                await publishing;
                int qos = (int)(n % 3);
                string payload = $"in-q{qos}-{n:D8}";
                inStats.Sent[qos]++;
                if (await publisher.TryPublishAsync($"{inTopic}/q{qos}", payload, qos))
                {
                    inStats.Acked[qos].Add(payload);
                }

                n++;
            }
        });

        var restarter = Task.Run(async () =>
        {
            while (true)
            {
                try
                {
                    await Task.Delay(options.RestartEvery, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                var sw = Stopwatch.StartNew();
                string signal = SignalOf(options, restarts);
                var paused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                if (signal == "KILL" && options.Quiesce > TimeSpan.Zero)
                {
                    Volatile.Write(ref publishing, paused.Task);
                    await Task.Delay(options.Quiesce);
                }

                await TerminateAsync(broker, signal);
                await broker.RestartAsync();
                Volatile.Write(ref publishing, Task.CompletedTask);
                paused.TrySetResult();
                restarts++;
                kills += signal == "KILL" ? 1 : 0;
                Console.WriteLine($"  {clock.Elapsed:mm\\:ss} broker restarted ({restarts}, SIG{signal}) in {sw.ElapsedMilliseconds} ms; so far out {outStats.Summary()}, in {inStats.Summary()}; modem RSS {Mb(Rss(modem.Pid))}");
            }
        });

        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                rssPeak = Math.Max(rssPeak, Rss(modem.Pid));
                try
                {
                    await Task.Delay(1000, stop.Token);
                }
                catch (OperationCanceledException)
                {
                }
            }
        });

        await Task.WhenAll(outbound, inbound, restarter, sampler);
        var traffic = clock.Elapsed;

        // Let everything in flight land: wait until nothing acknowledged is missing, or 60 s.
        var drain = Stopwatch.StartNew();
        while (drain.Elapsed < TimeSpan.FromSeconds(60) && (Missing(outStats, subscriber.Received, 1) + Missing(outStats, subscriber.Received, 2) + Missing(inStats, host.Received, 1) + Missing(inStats, host.Received, 2)) > 0)
        {
            await Task.Delay(500);
        }

        await Task.Delay(2000); // and the QoS 0 stragglers
        long rssEnd = Rss(modem.Pid);

        Console.WriteLine();
        Console.WriteLine($"soak {run}: {traffic.TotalMinutes:F1} min of traffic, {restarts} broker restarts ({restarts - kills} SIGTERM, {kills} SIGKILL), " +
            $"modem saw {host.Disconnects} x +MQTTDISCONNECTED:0 and {host.Connects} x +MQTTCONNECTED; drained in {drain.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine();
        Console.WriteLine("| direction | QoS | sent | acknowledged | received | lost | duplicates |");
        Console.WriteLine("|---|---|---|---|---|---|---|");
        bool ok = true;
        for (int qos = 0; qos < 3; qos++)
        {
            ok &= Row("out: AT+MQTTPUB -> subscriber", qos, outStats, subscriber.Received, subscriber.Duplicates);
        }

        for (int qos = 0; qos < 3; qos++)
        {
            ok &= Row("in: publisher -> +MQTTSUBRECV", qos, inStats, host.Received, host.Duplicates);
        }

        Console.WriteLine();
        Console.WriteLine($"modem process RSS: start {Mb(rssStart)}, end {Mb(rssEnd)}, peak {Mb(rssPeak)}");
        Console.WriteLine(ok ? "result: no QoS 1/2 message lost" : "result: QoS 1/2 MESSAGES LOST");
        if (Environment.GetEnvironmentVariable("ATMQTT_SOAK_MODEM_LOG") is { Length: > 0 } logPath)
        {
            await File.WriteAllTextAsync(logPath, modem.StdErr);
        }

        return ok ? 0 : 1;
    }

    private static Options? Parse(string[] args)
    {
        double minutes = 10, restart = 60;
        string signal = "both";
        int quiesceMs = 1500;
        int outRate = 150, inRate = 150;
        for (int i = 0; i < args.Length; i++)
        {
            string value = i + 1 < args.Length ? args[i + 1] : "";
            bool ok = args[i] switch
            {
                "--minutes" => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out minutes),
                "--restart-seconds" => double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out restart),
                "--out-rate" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out outRate),
                "--in-rate" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out inRate),
                "--signal" => (signal = value) is "term" or "kill" or "both",
                "--quiesce-ms" => int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out quiesceMs),
                _ => false,
            };
            if (!ok || minutes <= 0 || restart <= 0 || outRate <= 0 || inRate <= 0)
            {
                return null;
            }

            i++;
        }

        return new Options(TimeSpan.FromMinutes(minutes), TimeSpan.FromSeconds(restart), outRate, inRate, signal, TimeSpan.FromMilliseconds(quiesceMs));
    }

    /// <summary>Waits until message <paramref name="n"/> is due at <paramref name="rate"/> per second; false once stopped.</summary>
    private static async Task<bool> PaceAsync(long n, int rate, Stopwatch clock, CancellationToken stop)
    {
        var due = TimeSpan.FromSeconds((double)n / rate);
        var wait = due - clock.Elapsed;
        if (wait > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(wait, stop);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return !stop.IsCancellationRequested;
    }

    private static int Missing(Direction d, ConcurrentDictionary<string, byte> received, int qos) =>
        d.Acked[qos].Count(p => !received.ContainsKey(p));

    private static bool Row(string direction, int qos, Direction d, ConcurrentDictionary<string, byte> received, ConcurrentDictionary<string, int> duplicates)
    {
        string prefix = direction.StartsWith("out", StringComparison.Ordinal) ? $"out-q{qos}-" : $"in-q{qos}-";
        int got = received.Keys.Count(k => k.StartsWith(prefix, StringComparison.Ordinal));
        int lost = Missing(d, received, qos);
        int dups = duplicates.Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal)).Sum(kv => kv.Value);
        Console.WriteLine($"| {direction} | {qos} | {d.Sent[qos]} | {d.Acked[qos].Count} | {got} | {lost} | {dups} |");
        return qos == 0 || lost == 0;
    }

    private static async Task<(ModemProcess Process, int Port)> StartModemAsync()
    {
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort.Get();
            var process = await ModemProcess.StartAsync(["--tcp", $"{FreePort.Host}:{port}"]);
            try
            {
                await process.WaitForStdErrAsync("Listening for a host on", TimeSpan.FromSeconds(20));
                return (process, port);
            }
            catch (Exception) when (attempt < 3)
            {
                await process.DisposeAsync();
            }
        }
    }

    /// <summary>SIGTERM (the broker saves its persistence file) or SIGKILL (a crash) to the broker, and a wait for its exit.</summary>
    private static async Task TerminateAsync(MosquittoBroker broker, string signal)
    {
        int pid = FindPid(broker.ConfigPath) ?? throw new InvalidOperationException("mosquitto is not running");
        using (var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-" + signal, pid.ToString(CultureInfo.InvariantCulture) } })!)
        {
            await kill.WaitForExitAsync();
        }

        var sw = Stopwatch.StartNew();
        while (broker.IsRunning && sw.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }
    }

    private static int? FindPid(string configPath)
    {
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out int pid))
            {
                continue;
            }

            try
            {
                var argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (argv.Length >= 3 && Path.GetFileName(argv[0]) == "mosquitto" && argv.Contains(configPath))
                {
                    return pid;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }

        return null;
    }

    private static long Rss(int pid)
    {
        foreach (var line in File.ReadLines($"/proc/{pid}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                return long.Parse(line["VmRSS:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) * 1024;
            }
        }

        return 0;
    }

    private static string Mb(long bytes) => (bytes / 1048576.0).ToString("F1", CultureInfo.InvariantCulture) + " MB";

    /// <summary>Counters of one direction, per QoS.</summary>
    private sealed class Direction
    {
        public long[] Sent { get; } = new long[3];

        public ConcurrentBag<string>[] Acked { get; } = [new(), new(), new()];

        public string Summary() => string.Join(" ", Enumerable.Range(0, 3).Select(q => $"q{q} {Acked[q].Count}/{Sent[q]}"));
    }

    /// <summary>
    /// The host: one TCP connection to the modem. A reader task splits what arrives into +MQTTSUBRECV
    /// messages (by their byte length) and lines; commands wait for their final result line.
    /// </summary>
    private sealed class Host : IDisposable
    {
        private const string SubRecv = "+MQTTSUBRECV:0,\"";
        private readonly Socket _socket;
        private readonly SemaphoreSlim _commands = new(1, 1);
        private readonly StringBuilder _rest = new();
        private readonly Task _reader;
        private TaskCompletionSource<string>? _final;

        private Host(Socket socket)
        {
            _socket = socket;
            _reader = Task.Run(ReadLoopAsync);
        }

        public ConcurrentDictionary<string, byte> Received { get; } = new();

        public ConcurrentDictionary<string, int> Duplicates { get; } = new();

        public bool CountUrcs { get; set; }

        public int Disconnects { get; private set; }

        public int Connects { get; private set; }

        public static async Task<Host> ConnectAsync(int port)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            return new Host(socket);
        }

        /// <summary>Sends a line; returns its final result: OK, ERROR or busy p...</summary>
        public async Task<string> CommandAsync(string line)
        {
            await _commands.WaitAsync();
            try
            {
                var final = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
                Volatile.Write(ref _final, final);
                await _socket.SendAsync(Encoding.Latin1.GetBytes(line + "\r\n"));
                return await final.Task.WaitAsync(TimeSpan.FromSeconds(90));
            }
            finally
            {
                _commands.Release();
            }
        }

        public async Task ExpectOkAsync(string line)
        {
            string result = await CommandAsync(line);
            if (result != "OK")
            {
                throw new InvalidOperationException($"{line} answered {result}");
            }
        }

        public void Dispose()
        {
            _socket.Dispose();
            try
            {
                _reader.Wait(TimeSpan.FromSeconds(2));
            }
            catch (AggregateException)
            {
            }
        }

        private async Task ReadLoopAsync()
        {
            var buffer = ArrayPool<byte>.Shared.Rent(65536);
            try
            {
                while (true)
                {
                    int n = await _socket.ReceiveAsync(buffer, SocketFlags.None);
                    if (n == 0)
                    {
                        return;
                    }

                    _rest.Append(Encoding.Latin1.GetString(buffer, 0, n));
                    Parse();
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
                _final?.TrySetException(new IOException("the modem closed the host connection"));
            }
        }

        private void Parse()
        {
            string s = _rest.ToString();
            int at = 0;
            while (at < s.Length)
            {
                if (s.Length - at < SubRecv.Length && string.CompareOrdinal(s, at, SubRecv, 0, s.Length - at) == 0)
                {
                    break;
                }

                if (string.CompareOrdinal(s, at, SubRecv, 0, SubRecv.Length) == 0)
                {
                    int topicEnd = s.IndexOf("\",", at + SubRecv.Length, StringComparison.Ordinal);
                    int comma = topicEnd < 0 ? -1 : s.IndexOf(',', topicEnd + 2);
                    if (comma < 0)
                    {
                        break;
                    }

                    int length = int.Parse(s.AsSpan(topicEnd + 2, comma - topicEnd - 2), NumberStyles.None, CultureInfo.InvariantCulture);
                    if (s.Length < comma + 1 + length + 2)
                    {
                        break;
                    }

                    string payload = s.Substring(comma + 1, length);
                    if (!Received.TryAdd(payload, 0))
                    {
                        Duplicates.AddOrUpdate(payload, 1, (_, d) => d + 1);
                    }

                    at = comma + 1 + length + 2;
                    continue;
                }

                int crlf = s.IndexOf("\r\n", at, StringComparison.Ordinal);
                if (crlf < 0)
                {
                    break;
                }

                Line(s[at..crlf]);
                at = crlf + 2;
            }

            _rest.Remove(0, at);
        }

        private void Line(string line)
        {
            if (line is "OK" or "ERROR" or "busy p...")
            {
                Interlocked.Exchange(ref _final, null)?.TrySetResult(line);
            }
            else if (CountUrcs && line == "+MQTTDISCONNECTED:0")
            {
                Disconnects++;
            }
            else if (CountUrcs && line.StartsWith("+MQTTCONNECTED:", StringComparison.Ordinal))
            {
                Connects++;
            }
        }
    }

    /// <summary>An MQTTnet client that reconnects (and subscribes again) whenever the broker comes back.</summary>
    private sealed class Client : IAsyncDisposable
    {
        private readonly IMqttClient _client = new MqttClientFactory().CreateMqttClient();
        private readonly MqttClientOptions _options;
        private readonly string? _subscribe;
        private readonly CancellationTokenSource _cts = new();
        private readonly SemaphoreSlim _connecting = new(1, 1);

        public Client(int port, string clientId, bool cleanSession, string? subscribe)
        {
            _subscribe = subscribe;
            _options = new MqttClientOptionsBuilder()
                .WithTcpServer(FreePort.Host, port)
                .WithClientId(clientId)
                .WithCleanSession(cleanSession)
                .WithProtocolVersion(MqttProtocolVersion.V311)
                .WithKeepAlivePeriod(TimeSpan.FromSeconds(30))
                .WithTimeout(TimeSpan.FromSeconds(10))
                .Build();
            _client.ApplicationMessageReceivedAsync += e =>
            {
                string payload = Encoding.Latin1.GetString(e.ApplicationMessage.Payload.ToArray());
                if (!Received.TryAdd(payload, 0))
                {
                    Duplicates.AddOrUpdate(payload, 1, (_, d) => d + 1);
                }

                return Task.CompletedTask;
            };
            _client.DisconnectedAsync += e =>
            {
                // Reconnect from outside the handler: a failed attempt raises it too.
                if (e.ClientWasConnected && !_cts.IsCancellationRequested)
                {
                    _ = Task.Run(() => ConnectAsync(_cts.Token));
                }

                return Task.CompletedTask;
            };
        }

        public ConcurrentDictionary<string, byte> Received { get; } = new();

        public ConcurrentDictionary<string, int> Duplicates { get; } = new();

        /// <summary>Connects (retrying every 200 ms) unless already connected.</summary>
        public async Task ConnectAsync(CancellationToken cancellationToken)
        {
            await _connecting.WaitAsync(cancellationToken);
            try
            {
                while (!_client.IsConnected && !cancellationToken.IsCancellationRequested)
                {
                    try
                    {
                        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                        await _client.ConnectAsync(_options, cts.Token);
                        if (_subscribe is not null)
                        {
                            await _client.SubscribeAsync(new MqttClientSubscribeOptionsBuilder().WithTopicFilter(_subscribe, MqttQualityOfServiceLevel.ExactlyOnce).Build(), cts.Token);
                        }
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                    {
                        await Task.Delay(200, CancellationToken.None);
                    }
                }
            }
            finally
            {
                _connecting.Release();
            }
        }

        /// <summary>True when the broker acknowledged it (QoS 0: written to the socket).</summary>
        public async Task<bool> TryPublishAsync(string topic, string payload, int qos)
        {
            if (!_client.IsConnected)
            {
                await Task.Delay(20);
                return false;
            }

            try
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(10));
                var message = new MqttApplicationMessageBuilder().WithTopic(topic).WithPayload(payload).WithQualityOfServiceLevel((MqttQualityOfServiceLevel)qos).Build();
                return (await _client.PublishAsync(message, cts.Token)).IsSuccess;
            }
            catch (Exception)
            {
                return false;
            }
        }

        public async ValueTask DisposeAsync()
        {
            _cts.Cancel();
            try
            {
                if (_client.IsConnected)
                {
                    await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build());
                }
            }
            catch (Exception)
            {
            }

            _client.Dispose();
            _cts.Dispose();
        }
    }
}
