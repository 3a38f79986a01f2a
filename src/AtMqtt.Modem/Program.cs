using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using AtMqtt.Core;
using AtMqtt.Core.Dialects;
using AtMqtt.Core.Mqtt.Transport;
using AtMqtt.Core.Profiles;
using AtMqtt.Cli;
using AtMqtt.Cli.Broker;
using AtMqtt.Cli.Channels;
using AtMqtt.Cli.Control;
using AtMqtt.Cli.Fleets;
using AtMqtt.Cli.Scenarios;
using AtMqtt.Cli.Transcript;
using Microsoft.Extensions.Logging;
using static AtMqtt.Cli.CommandLineValues;

var stdio = Flag("--stdio", "Speak AT on stdin/stdout (the default channel).");
var tcp = Text("--tcp", "HOST:PORT", "Listen for one host at a time on HOST:PORT (loopback only unless --allow-remote).");
var allowRemote = Flag("--allow-remote", "Allow --tcp and --control to listen on a non-loopback address.");
var control = Text(
    "--control", "HOST:PORT", "Serve the control API (HTTP and JSON, docs/control.md) on HOST:PORT: state, events, faults, the reset pin. Loopback only unless --allow-remote; port 0 picks a free one, logged at start.");
var metricsPerModem = Flag(
    "--metrics-per-modem", "Label the control port's /metrics by modem (docs/metrics.md): about 25 series a modem; without it every metric is summed over the modems. Needs --control.");
var embeddedBroker = OptionalValueInt(
    "--embedded-broker", "PORT", "Run MQTTnet's broker in-process on loopback only, 127.0.0.1 and ::1 (default port 1883; 0 picks a free one, logged at start).", EmbeddedBroker.DefaultPort, 0, 65535);
var dialect = Choice("--dialect", "Command dialect: seed (default, the bk7238 profile) or esp-at (the esp-at-5.0 profile).", "seed", "seed", "esp-at");
var profile = Choice(
    "--profile", "The module and firmware release (docs/profiles.md, docs/cellular.md, docs/quectel.md); sets the dialect. Default: the one --dialect stands for.", "", [.. Profile.AllNames]);
var quirk = Many("--quirk", "NAME[=VALUE]", $"Behave as the real module misbehaves (repeatable; docs/quirks.md): {string.Join("; ", Quirks.Known.Select(k => $"{k.Name} {k.Help}"))}.");

// A data phase's deadline is a Timer: a day is far below its limit (about 49 days).
var dataTimeout = Int("--data-timeout", "S", "Seconds a '>' data phase waits for the next byte; 0 waits forever.", 10, 0, 86_400);
var resultDelay = OptionalInt(
    "--result-delay", "MS", "Milliseconds between a command's OK and its result URC (+QMTOPEN, +QMTPUB...), as a cellular network takes; default: the profile's (0 for ESP-AT, 300 for the cellular profiles). 0 for speed tests.", 0, 600_000);
var maxSubscriptions = Int("--max-subscriptions", "N", "Size of the subscription list.", 10, 1, 65_535);
var rxQueue = Int("--rx-queue", "N", "QoS 0 messages that may wait for the host before new ones are dropped.", 1000, 1, int.MaxValue);

// MQTT's own ceiling is a remaining length of 268,435,455 bytes.
var maxMessageBytes = Long(
    "--max-message-bytes",
    "BYTES",
    "Largest message the broker may deliver, topic and payload together (the module's receive buffer); a larger one closes the broker connection before it is buffered.",
    ModemOptions.DefaultMaxMessageBytes,
    1,
    268_435_451);
var maxPubRaw = Int("--max-pubraw", "N", "Largest AT+MQTTPUBRAW length in the esp-at dialect.", 65536, 1, 268_435_451);
var wifi = Text(
    "--wifi", "SSID:PASSWORD", "The simulated access point AT+CWJAP accepts, as SSID:PASSWORD (default: any). Shows in the process list: prefer --wifi-file or ATMQTT_WIFI.");
var wifiFile = ExistingFile(
    "--wifi-file",
    "Read SSID:PASSWORD from the first line of FILE. Keeps the password out of the process list, as does the ATMQTT_WIFI environment variable (used when neither --wifi nor --wifi-file is given).");
var requireWifi = Flag("--require-wifi", "AT+MQTTCONN fails until AT+CWJAP succeeded, as on a real module.");
var psk = Text(
    "--psk", "IDENTITY:HEXKEY", "TLS-PSK credentials for scheme 2 (seed dialect), as IDENTITY:HEXKEY. Shows in the process list: prefer --psk-file or ATMQTT_PSK.");
var pskFile = ExistingFile(
    "--psk-file",
    "Read the TLS-PSK credentials from a mosquitto psk_file (identity:hexkey). Keeps the key out of the process list, as does the ATMQTT_PSK environment variable (used when neither --psk nor --psk-file is given).");
var ca = ExistingFile("--ca", "PEM CA certificate(s) that verify the broker (schemes 3, 5, 8, 10); default: the system store.");
var clientCert = ExistingFile("--client-cert", "PEM client certificate presented by schemes 4, 5, 9, 10.");
var clientKey = ExistingFile("--client-key", "PEM private key of --client-cert (if not in the same file).");
var pty = Text("--pty", "PATH", "Create a pseudo-terminal (raw) and a symbolic link to it at PATH; a host opens PATH as its serial port (Linux).");
var serial = Text("--serial", "DEVICE", "Use a serial port (or a pty made by another program), 8N1, no flow control, at --baud (default 115200).");
var baud = OptionalInt(
    "--baud", "N", "Pace the channel as a UART at N baud, 10 bits a byte; AT+UART_CUR/AT+UART_DEF change it at run time.", ChannelSetup.MinBaud, ChannelSetup.MaxBaud);
var tcpConnect = Text("--tcp-connect", "HOST:PORT", "Connect out to a host whose UART is a listening socket (Renode, QEMU -serial tcp::PORT,server=on), retrying.");
var transcript = Text("--transcript", "FILE", "Record every byte both ways, timestamped, secrets redacted, to FILE.");
var monitor = Flag("--monitor", "Show the traffic live on stderr, coloured on a terminal (NO_COLOR turns colours off).");
var strict = Strict.Option();
var scenario = ScenarioOptions.File();
var scenarioExit = ScenarioOptions.Exit();
var count = Int(
    "--count",
    "N",
    "Run N independent modems in this one process (docs/fleet.md): --pty PATH with {n} in it (the modem's index from 0) or --tcp HOST:PORT (ports PORT to PORT+N-1), --transcript FILE with {n}. Checked against the open-file limit at start.",
    1,
    1,
    Fleet.MaxCount);
var logLevel = Level("--log-level", "Least severe log level written to stderr.", LogLevel.Information);

var root = new RootCommand("atmqtt: a software MQTT AT modem. Speaks the MQTT AT command set on a byte channel and does real MQTT.")
{
    stdio, tcp, allowRemote, embeddedBroker, dialect, profile, quirk, dataTimeout, resultDelay, maxSubscriptions, rxQueue, maxMessageBytes, maxPubRaw, wifi, wifiFile, requireWifi, psk, pskFile, ca, clientCert, clientKey, logLevel,
};
foreach (var channelOption in new Option[] { pty, serial, baud, tcpConnect, transcript, monitor, strict, scenario, scenarioExit, control, count, metricsPerModem })
{
    root.Options.Add(channelOption);
}

root.SetAction(async (parse, cancellationToken) =>
{
    using var loggerFactory = Logging.Create(parse.GetValue(logLevel));
    var log = loggerFactory.CreateLogger("AtMqtt");

    // Every value was checked by its parser (CommandLineValues); what is left needs two options at once or the machine.
    IPEndPoint? listen = null;
    if (parse.GetValue(tcp) is { } tcpValue)
    {
        if (!Endpoints.TryParse(tcpValue, out listen))
        {
            return Usage($"--tcp: '{tcpValue}' is not HOST:PORT (an IP address or localhost, and a port from 0 to 65535).");
        }

        if (!IPAddress.IsLoopback(listen.Address) && !parse.GetValue(allowRemote))
        {
            return Usage($"--tcp: {listen.Address} is not a loopback address; add --allow-remote to listen on it.");
        }

        if (listen.Port != 0 && listen.Port + parse.GetValue(count) - 1 > IPEndPoint.MaxPort)
        {
            return Usage($"--tcp: --count {parse.GetValue(count)} from port {listen.Port} needs ports up to {listen.Port + parse.GetValue(count) - 1}, above 65535; start lower (or at port 0: a free port each).");
        }
    }

    IPEndPoint? controlEndPoint = null;
    if (parse.GetValue(control) is { } controlValue)
    {
        if (!Endpoints.TryParse(controlValue, out controlEndPoint))
        {
            return Usage($"--control: '{controlValue}' is not HOST:PORT (an IP address or localhost, and a port from 0 to 65535).");
        }

        if (!IPAddress.IsLoopback(controlEndPoint.Address) && !parse.GetValue(allowRemote))
        {
            return Usage($"--control: {controlEndPoint.Address} is not a loopback address; add --allow-remote to listen on it (anyone who reaches it can break the modem).");
        }
    }

    if (parse.GetValue(metricsPerModem) && controlEndPoint is null)
    {
        return Usage("--metrics-per-modem: the metrics are served on the control port; add --control HOST:PORT.");
    }

    string? pskVariable = Environment.GetEnvironmentVariable(Credentials.PskVariable);
    string? wifiVariable = Environment.GetEnvironmentVariable(Credentials.WifiVariable);
    (string Ssid, string Password)? accessPoint;
    TlsCredentials credentials;
    string? pskText;
    try
    {
        accessPoint = Credentials.LoadWifi(parse.GetValue(wifi), parse.GetValue(wifiFile), wifiVariable);
        credentials = Credentials.Load(
            parse.GetValue(psk), parse.GetValue(pskFile), pskVariable, parse.GetValue(ca), parse.GetValue(clientCert), parse.GetValue(clientKey), out pskText);
    }
    catch (Exception ex) when (ex is FormatException or IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
    {
        // The message names the option or variable and the problem, never the secret.
        return Usage(ex.Message);
    }

    if (!string.IsNullOrEmpty(pskVariable) && (parse.GetValue(psk) is not null || parse.GetValue(pskFile) is not null))
    {
        log.LogInformation("{Variable} is ignored: --psk or --psk-file gives the key", Credentials.PskVariable);
    }

    if (!string.IsNullOrEmpty(wifiVariable) && (parse.GetValue(wifi) is not null || parse.GetValue(wifiFile) is not null))
    {
        log.LogInformation("{Variable} is ignored: --wifi or --wifi-file gives the access point", Credentials.WifiVariable);
    }

    int modemCount = parse.GetValue(count);
    var channel = ChannelSetup.Parse(
        parse.GetValue(stdio), listen is not null, parse.GetValue(tcpConnect), parse.GetValue(pty), parse.GetValue(serial),
        parse.GetValue(baud), parse.GetValue(transcript), parse.GetValue(monitor), modemCount, out string? channelError);
    if (channel is null)
    {
        return Usage(channelError!);
    }

    if (modemCount > 1 && (parse.GetValue(scenario) is not null || parse.GetValue(strict) != Strict.Mode.Off))
    {
        return Usage($"--count {modemCount}: {(parse.GetValue(scenario) is not null ? "--scenario" : "--strict")} watches one modem; run it with one (--count 1), or drive the fleet's faults through the control API.");
    }

    if (FdBudget.Limit() is long fileLimit
        && FdBudget.Check(modemCount, fileLimit, FdBudget.OpenNow(), listen is not null, channel.TranscriptPath is not null, parse.GetValue(embeddedBroker) is not null) is { } budgetError)
    {
        return Usage(budgetError);
    }

    var script = ScenarioOptions.Load(parse.GetValue(scenario), parse.GetValue(scenarioExit), out string? scenarioError);
    if (scenarioError is not null)
    {
        return Usage(scenarioError);
    }

    var chosen = Profiles(parse, dialect, profile, quirk, maxPubRaw, out string? profileError);
    if (profileError is not null)
    {
        return Usage(profileError);
    }

    // One set of options per modem: only the loggers differ (with --count, each modem's carry its index).
    ModemOptions OptionsFor(ILoggerFactory loggers) => new()
    {
        Credentials = credentials,
        Wifi = accessPoint,
        RequireWifi = parse.GetValue(requireWifi),
        Profile = chosen.Profile,
        Dialect = chosen.Profile.Dialect,
        Quirks = chosen.Quirks,
        DataTimeout = TimeSpan.FromSeconds(parse.GetValue(dataTimeout)),
        MaxSubscriptions = parse.GetValue(maxSubscriptions),
        ResultDelay = parse.GetValue(resultDelay) is int delayMs ? TimeSpan.FromMilliseconds(delayMs) : null,
        RxQueue = parse.GetValue(rxQueue),
        MaxMessageBytes = parse.GetValue(maxMessageBytes),
        Strict = parse.GetValue(strict) != Strict.Mode.Off,
        LoggerFactory = loggers,
        Version = typeof(Endpoints).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
    };
    var options = OptionsFor(loggerFactory);
    var modemLoggers = new ILoggerFactory[modemCount];
    for (int i = 0; i < modemCount; i++)
    {
        modemLoggers[i] = modemCount == 1 ? loggerFactory : new IndexedLoggerFactory(loggerFactory, i);
    }

    // What can still fail on this machine (a file, a port) fails before anything starts.
    var recorders = new TrafficRecorder?[modemCount];
    var listeners = new Socket?[modemCount];
    using var startScope = new StartScope(recorders, listeners);
    for (int i = 0; i < modemCount; i++)
    {
        string modemName = modemCount == 1 ? "" : $" (modem {i})";
        try
        {
            recorders[i] = channel.CreateRecorder(options.Version, i);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return Usage($"--transcript: cannot write {channel.TranscriptPathFor(i)}{modemName}: {ex.Message}");
        }

        if (listen is not null)
        {
            var at = new IPEndPoint(listen.Address, listen.Port == 0 ? 0 : listen.Port + i);
            try
            {
                listeners[i] = TcpListenChannel.Listen(at);
            }
            catch (SocketException ex)
            {
                return Usage(ex.SocketErrorCode == SocketError.AddressAlreadyInUse
                    ? $"--tcp: {at} is in use{modemName}: something listens on port {at.Port} already (another atmqtt?); pick another port."
                    : $"--tcp: cannot listen on {at}{modemName}: {ex.Message}.");
            }
        }
    }

    var recorder = recorders[0];
    var listener = listeners[0];

    EmbeddedBroker? broker = null;
    try
    {
        if (parse.GetValue(embeddedBroker) is int brokerPort)
        {
            try
            {
                broker = await EmbeddedBroker.StartAsync(brokerPort, loggerFactory.CreateLogger("AtMqtt.Broker"));
            }
            catch (SocketException ex)
            {
                return Usage(ex.SocketErrorCode == SocketError.AddressAlreadyInUse
                    ? $"--embedded-broker: port {brokerPort} is in use, maybe by a broker already running (an installed mosquitto listens on 1883): leave out --embedded-broker and connect to that one (AT+MQTTCONN=0,\"127.0.0.1\",{brokerPort},0), or give a free port: --embedded-broker PORT."
                    : $"--embedded-broker: cannot listen on port {brokerPort} of loopback: {ex.Message}.");
            }
        }

        // SPEC 7: configured secrets never reach a transcript or the control API's line events, wherever
        // they turn up in the traffic.
        var secrets = new List<string>();
        if (accessPoint is { Password: { Length: > 0 } wifiPassword })
        {
            secrets.Add(wifiPassword);
        }

        if (credentials.Psk is { } pskKey)
        {
            secrets.Add(Convert.ToHexString(pskKey.Key));
            secrets.Add(Convert.ToHexStringLower(pskKey.Key));
            if (pskText is not null)
            {
                // As written, whichever the source: odd length or mixed case differ from both hex forms.
                secrets.Add(pskText);
            }
        }

        // The modems go before the broker: stopping the broker under a connected link would log the
        // link's loss as a warning on every clean exit. With --control, events are kept from the start
        // (a page opened later shows what went before), so each history watches before its first line event is built.
        var members = new FleetModem[modemCount];
        for (int i = 0; i < modemCount; i++)
        {
            secrets.ForEach(secret => recorders[i]?.AddSecret(secret));
            var member = new Modem(i == 0 ? options : OptionsFor(modemLoggers[i]));
            var history = controlEndPoint is null ? null : new EventHistory(member.Events);
            var lineEvents = controlEndPoint is null ? null : new LineEvents(member.Events, () => member.InDataPhase);
            secrets.ForEach(secret => lineEvents?.AddSecret(secret));
            members[i] = new FleetModem
            {
                Index = i,
                Modem = member,
                Line = new HostLine(member, channel.Baud, recorders[i], modemLoggers[i].CreateLogger("AtMqtt.Line"), lineEvents),
                Channel = channel.Info(listeners[i], i),
                Loggers = modemLoggers[i],
                Listener = listeners[i],
                History = history,
                LineEvents = lineEvents,
                Recorder = recorders[i],
            };
        }

        // The fleet owns the recorders and sockets from here on.
        startScope.Release();
        await using var fleet = new Fleet(members);
        var modem = fleet.Modems[0].Modem;
        var hostLine = fleet.Modems[0].Line;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var scenarioRun = script is null ? null : ScenarioOptions.Start(script, modem, loggerFactory, parse.GetValue(scenarioExit), stop);
        ControlServer? controlServer = null;
        if (controlEndPoint is not null)
        {
            try
            {
                var info = new ProgramInfo(
                    options.Version,
                    options.Dialect.Name,
                    modem.Profile.Name,
                    modem.Quirks.Names(),
                    fleet.Modems[0].Channel,
                    broker is null ? null : new BrokerInfo(IPAddress.Loopback.ToString(), broker.Port),
                    Environment.ProcessId,
                    modem.Faults.Kinds);
                // Each modem of the fleet is labelled with its index (with --metrics-per-modem).
                var fleetModems = fleet.Modems.Select(f => f.Modem).ToArray();
                var metrics = new ModemMetrics(() => fleetModems, parse.GetValue(metricsPerModem));
                controlServer = await ControlServer.StartAsync(controlEndPoint, fleet, info, metrics);
            }
            catch (IOException ex)
            {
                return Usage($"--control: cannot listen on {controlEndPoint}: {(ex.InnerException ?? ex).Message}.");
            }

            log.LogInformation("Control API on {Address}", controlServer.Address);
        }

        await using var controlScope = controlServer;
        try
        {
            log.LogInformation("atmqtt {Version} ({Profile} profile, {Dialect} dialect) on {Channel}", options.Version, chosen.Profile.Name, options.Dialect.Name, channel.Describe(listen));
            if (modemCount == 1)
            {
                await channel.RunAsync(hostLine, listener, loggerFactory, stop.Token);
            }
            else
            {
                await channel.RunAsync([.. fleet.Modems.Select(m => (m.Line, m.Listener, m.Loggers))], loggerFactory, stop.Token);
            }
        }
        catch (Exception ex) when (ex is SocketException or IOException)
        {
            log.LogCritical("Channel failed: {Reason}", ex.Message);
            await stop.CancelAsync();
            Strict.Finish(modem.Checks, parse.GetValue(strict), Console.Error);
            return 1;
        }

        // The channel has ended: a scenario still waiting ends too (its steps left pending).
        bool scenarioDone = true;
        if (scenarioRun is not null)
        {
            await stop.CancelAsync();
            scenarioDone = await scenarioRun;
        }

        int? strictStatus = Strict.Finish(modem.Checks, parse.GetValue(strict), Console.Error);
        return parse.GetValue(scenarioExit) && !scenarioDone ? ScenarioOptions.FailedExitCode : strictStatus ?? 0;
    }
    finally
    {
        if (broker is not null)
        {
            await broker.DisposeAsync();
        }
    }
});

var parsed = root.Parse(args);
if (parsed.Errors.Count > 0)
{
    foreach (string message in Messages(parsed, args))
    {
        Console.Error.WriteLine(message);
    }

    Console.Error.WriteLine("atmqtt --help lists the options.");
    return UsageExitCode;
}

// Signals are the channel's to handle (ChannelSetup.RunAsync): it ends cleanly, puts a terminal back
// and removes a --pty link. System.CommandLine's own handling would end the program 2 s after a signal.
return await parsed.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });

/// <summary>A usage error found in the action: one line on stderr, exit code 2.</summary>
/// <remarks>See <see cref="StartScope"/> for what such an early return closes.</remarks>
static int Usage(string message)
{
    Console.Error.WriteLine(message);
    return UsageExitCode;
}

/// <summary>
/// The profile (--profile, else the one --dialect stands for; both given must agree) and the quirks
/// asked for; an error names the option.
/// </summary>
static (Profile Profile, Quirks Quirks) Profiles(
    ParseResult parse, Option<string> dialect, Option<string> profile, Option<string[]> quirk, Option<int> maxPubRaw, out string? error)
{
    error = null;
    string dialectName = parse.GetValue(dialect)!;
    var byDialect = Profile.ForDialect(Dialect.FromName(dialectName, parse.GetValue(maxPubRaw))!);
    string? asked = parse.GetValue(profile) is { Length: > 0 } name ? name : null;
    var chosen = asked is null ? byDialect : Profile.FromName(asked, parse.GetValue(maxPubRaw))!;
    if (asked is not null && parse.GetResult(dialect) is { Implicit: false } && chosen.Dialect.Name != dialectName)
    {
        error = $"--dialect {dialectName} contradicts --profile {asked}, which speaks the {chosen.Dialect.Name} dialect; give one of them.";
        return (chosen, Quirks.None);
    }

    var quirks = Quirks.Parse(parse.GetValue(quirk) ?? [], Quirks.None, out error);
    return (chosen, quirks ?? Quirks.None);
}

/// <summary>
/// The transcripts and listening sockets opened before the modems exist: closed when the program stops
/// before the fleet takes them over (a usage error found later, a port in use), not otherwise.
/// </summary>
internal sealed class StartScope(TrafficRecorder?[] recorders, Socket?[] listeners) : IDisposable
{
    private bool _released;

    /// <summary>The fleet owns them now.</summary>
    public void Release() => _released = true;

    public void Dispose()
    {
        if (_released)
        {
            return;
        }

        foreach (var recorder in recorders)
        {
            recorder?.Dispose();
        }

        foreach (var listener in listeners)
        {
            listener?.Dispose();
        }
    }
}
