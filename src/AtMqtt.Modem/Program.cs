using System.CommandLine;
using System.Net;
using AtMqtt.Core;
using AtMqtt.Core.Dialects;
using AtMqtt.Core.Mqtt.Transport;
using AtMqtt.Cli;
using AtMqtt.Cli.Broker;
using AtMqtt.Cli.Channels;
using Microsoft.Extensions.Logging;

var stdio = new Option<bool>("--stdio") { Description = "Speak AT on stdin/stdout (the default channel)." };
var tcp = new Option<string?>("--tcp") { Description = "Listen for one host at a time on HOST:PORT (loopback only unless --allow-remote).", HelpName = "HOST:PORT" };
var allowRemote = new Option<bool>("--allow-remote") { Description = "Allow --tcp to listen on a non-loopback address." };
var embeddedBroker = new Option<int?>("--embedded-broker")
{
    Description = "Run MQTTnet's broker in-process on loopback only, 127.0.0.1 and ::1 (default port 1883).",
    HelpName = "PORT",
    Arity = ArgumentArity.ZeroOrOne,
};
var dialect = new Option<string>("--dialect") { Description = "Command dialect: seed (default) or esp-at.", DefaultValueFactory = _ => "seed" };
dialect.AcceptOnlyFromAmong("seed", "esp-at");
var dataTimeout = new Option<int>("--data-timeout") { Description = "Seconds a '>' data phase waits for the next byte; 0 waits forever.", DefaultValueFactory = _ => 10 };
var maxSubscriptions = new Option<int>("--max-subscriptions") { Description = "Size of the subscription list.", DefaultValueFactory = _ => 10 };
var rxQueue = new Option<int>("--rx-queue") { Description = "QoS 0 messages that may wait for the host before new ones are dropped.", DefaultValueFactory = _ => 1000 };
var maxMessageBytes = new Option<long>("--max-message-bytes")
{
    Description = "Largest message the broker may deliver, topic and payload together (the module's receive buffer); a larger one closes the broker connection before it is buffered.",
    DefaultValueFactory = _ => ModemOptions.DefaultMaxMessageBytes,
    HelpName = "BYTES",
};
var maxPubRaw = new Option<int>("--max-pubraw") { Description = "Largest AT+MQTTPUBRAW length in the esp-at dialect.", DefaultValueFactory = _ => 65536 };
var wifi = new Option<string?>("--wifi")
{
    Description = "The simulated access point AT+CWJAP accepts, as SSID:PASSWORD (default: any). Shows in the process list: prefer --wifi-file or ATMQTT_WIFI.",
    HelpName = "SSID:PASSWORD",
};
var wifiFile = new Option<FileInfo?>("--wifi-file")
{
    Description = "Read SSID:PASSWORD from the first line of FILE. Keeps the password out of the process list, as does the ATMQTT_WIFI environment variable (used when neither --wifi nor --wifi-file is given).",
    HelpName = "FILE",
};
var requireWifi = new Option<bool>("--require-wifi") { Description = "AT+MQTTCONN fails until AT+CWJAP succeeded, as on a real module." };
var psk = new Option<string?>("--psk")
{
    Description = "TLS-PSK credentials for scheme 2 (seed dialect), as IDENTITY:HEXKEY. Shows in the process list: prefer --psk-file or ATMQTT_PSK.",
    HelpName = "IDENTITY:HEXKEY",
};
var pskFile = new Option<FileInfo?>("--psk-file")
{
    Description = "Read the TLS-PSK credentials from a mosquitto psk_file (identity:hexkey). Keeps the key out of the process list, as does the ATMQTT_PSK environment variable (used when neither --psk nor --psk-file is given).",
    HelpName = "FILE",
};
var ca = new Option<FileInfo?>("--ca") { Description = "PEM CA certificate(s) that verify the broker (schemes 3, 5, 8, 10); default: the system store.", HelpName = "FILE" };
var clientCert = new Option<FileInfo?>("--client-cert") { Description = "PEM client certificate presented by schemes 4, 5, 9, 10.", HelpName = "FILE" };
var clientKey = new Option<FileInfo?>("--client-key") { Description = "PEM private key of --client-cert (if not in the same file).", HelpName = "FILE" };
var pty = new Option<string?>("--pty") { Description = "Create a pseudo-terminal (raw) and a symbolic link to it at PATH; a host opens PATH as its serial port (Linux).", HelpName = "PATH" };
var serial = new Option<string?>("--serial") { Description = "Use a serial port (or a pty made by another program), 8N1, no flow control, at --baud (default 115200).", HelpName = "DEVICE" };
var baud = new Option<int?>("--baud") { Description = "Pace the channel as a UART at N baud, 10 bits a byte; AT+UART_CUR/AT+UART_DEF change it at run time.", HelpName = "N" };
var tcpConnect = new Option<string?>("--tcp-connect") { Description = "Connect out to a host whose UART is a listening socket (Renode, QEMU -serial tcp::PORT,server=on), retrying.", HelpName = "HOST:PORT" };
var transcript = new Option<string?>("--transcript") { Description = "Record every byte both ways, timestamped, secrets redacted, to FILE.", HelpName = "FILE" };
var monitor = new Option<bool>("--monitor") { Description = "Show the traffic live on stderr, coloured (NO_COLOR turns colours off)." };
var logLevel = new Option<LogLevel>("--log-level") { Description = "Least severe log level written to stderr.", DefaultValueFactory = _ => LogLevel.Information };

var root = new RootCommand("atmqtt: a software MQTT AT modem. Speaks the MQTT AT command set on a byte channel and does real MQTT.")
{
    stdio, tcp, allowRemote, embeddedBroker, dialect, dataTimeout, maxSubscriptions, rxQueue, maxMessageBytes, maxPubRaw, wifi, wifiFile, requireWifi, psk, pskFile, ca, clientCert, clientKey, logLevel,
};
foreach (var channelOption in new Option[] { pty, serial, baud, tcpConnect, transcript, monitor })
{
    root.Options.Add(channelOption);
}

root.SetAction(async (parse, cancellationToken) =>
{
    using var loggerFactory = Logging.Create(parse.GetValue(logLevel));
    var log = loggerFactory.CreateLogger("AtMqtt");

    int timeout = parse.GetValue(dataTimeout);
    int subscriptions = parse.GetValue(maxSubscriptions);
    int queue = parse.GetValue(rxQueue);
    int pubRaw = parse.GetValue(maxPubRaw);
    long messageBytes = parse.GetValue(maxMessageBytes);
    if (timeout < 0 || subscriptions < 1 || queue < 1 || pubRaw < 1)
    {
        Console.Error.WriteLine("--data-timeout must be >= 0; --max-subscriptions, --rx-queue and --max-pubraw must be >= 1.");
        return 2;
    }

    // MQTT's own ceiling is a remaining length of 268,435,455 bytes.
    if (messageBytes is < 1 or > 268_435_451)
    {
        Console.Error.WriteLine("--max-message-bytes must be between 1 and 268435451.");
        return 2;
    }

    IPEndPoint? listen = null;
    if (parse.GetValue(tcp) is { } tcpValue)
    {
        if (!Endpoints.TryParse(tcpValue, out listen))
        {
            Console.Error.WriteLine($"--tcp: '{tcpValue}' is not HOST:PORT.");
            return 2;
        }

        if (!IPAddress.IsLoopback(listen.Address) && !parse.GetValue(allowRemote))
        {
            Console.Error.WriteLine($"--tcp: {listen.Address} is not a loopback address; add --allow-remote to listen on it.");
            return 2;
        }
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
        Console.Error.WriteLine(ex.Message);
        return 2;
    }

    if (!string.IsNullOrEmpty(pskVariable) && (parse.GetValue(psk) is not null || parse.GetValue(pskFile) is not null))
    {
        log.LogInformation("{Variable} is ignored: --psk or --psk-file gives the key", Credentials.PskVariable);
    }

    if (!string.IsNullOrEmpty(wifiVariable) && (parse.GetValue(wifi) is not null || parse.GetValue(wifiFile) is not null))
    {
        log.LogInformation("{Variable} is ignored: --wifi or --wifi-file gives the access point", Credentials.WifiVariable);
    }

    var channel = ChannelSetup.Parse(
        parse.GetValue(stdio), listen is not null, parse.GetValue(tcpConnect), parse.GetValue(pty), parse.GetValue(serial),
        parse.GetValue(baud), parse.GetValue(transcript), parse.GetValue(monitor), out string? channelError);
    if (channel is null)
    {
        Console.Error.WriteLine(channelError);
        return 2;
    }

    var options = new ModemOptions
    {
        Credentials = credentials,
        Wifi = accessPoint,
        RequireWifi = parse.GetValue(requireWifi),
        Dialect = Dialect.FromName(parse.GetValue(dialect)!, pubRaw)!,
        DataTimeout = TimeSpan.FromSeconds(timeout),
        MaxSubscriptions = subscriptions,
        RxQueue = queue,
        MaxMessageBytes = messageBytes,
        LoggerFactory = loggerFactory,
        Version = typeof(Endpoints).Assembly.GetName().Version?.ToString(3) ?? "0.0.0",
    };

    EmbeddedBroker? broker = null;
    if (parse.GetResult(embeddedBroker) is not null)
    {
        int port = parse.GetValue(embeddedBroker) ?? 1883;
        try
        {
            broker = await EmbeddedBroker.StartAsync(port, loggerFactory.CreateLogger("AtMqtt.Broker"));
        }
        catch (Exception ex)
        {
            log.LogCritical("Embedded broker could not listen on port {Port} of loopback: {Reason}", port, ex.Message);
            return 1;
        }
    }

    await using var modem = new Modem(options);
    using var recorder = channel.CreateRecorder(options.Version);
    if (recorder is not null)
    {
        // SPEC 7: configured secrets never reach a transcript, wherever they turn up in the traffic.
        if (accessPoint is { Password: { Length: > 0 } wifiPassword })
        {
            recorder.AddSecret(wifiPassword);
        }

        if (credentials.Psk is { } pskKey)
        {
            recorder.AddSecret(Convert.ToHexString(pskKey.Key));
            recorder.AddSecret(Convert.ToHexStringLower(pskKey.Key));
            if (pskText is not null)
            {
                // As written, whichever the source: odd length or mixed case differ from both hex forms.
                recorder.AddSecret(pskText);
            }
        }
    }

    var hostLine = new HostLine(modem, channel.Baud, recorder, loggerFactory.CreateLogger("AtMqtt.Line"));
    try
    {
        log.LogInformation("atmqtt {Version} ({Dialect} dialect) on {Channel}", options.Version, options.Dialect.Name, channel.Describe(listen));
        await channel.RunAsync(hostLine, listen, loggerFactory, cancellationToken);
    }
    catch (Exception ex) when (ex is System.Net.Sockets.SocketException or IOException)
    {
        log.LogCritical("Channel failed: {Reason}", ex.Message);
        return 1;
    }
    finally
    {
        if (broker is not null)
        {
            await broker.DisposeAsync();
        }
    }

    return 0;
});

return await root.Parse(args).InvokeAsync();
