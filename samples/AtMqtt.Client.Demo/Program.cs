// AtMqtt.Client demo: MQTT through an AT module (a real ESP-AT module on a serial port, or the atmqtt
// software modem on TCP). Connects, subscribes to demo/echo, publishes "hello" to demo/echo at QoS 1,
// prints the message as the broker sends it back ("demo/echo: hello") and exits 0; exits 1 if none came
// in time. With --wait-for-echo it publishes "hello" to demo/hello instead and waits for someone else
// (a script, another device) to answer on demo/echo, for example:
//   mosquitto_sub -h 127.0.0.1 -t demo/hello -C 1 | xargs -I{} mosquitto_pub -h 127.0.0.1 -t demo/echo -m "echo of {}"
//
//   dotnet run --project samples/AtMqtt.Client.Demo -- --modem tcp://127.0.0.1:3333 --broker 127.0.0.1:1883
//   dotnet run --project samples/AtMqtt.Client.Demo -- --modem serial:/dev/ttyUSB0@115200 --broker test.example:1883
using System.Globalization;
using AtMqtt.Client;

const string Usage = """
    Usage: AtMqtt.Client.Demo --modem ADDRESS --broker HOST:PORT [options]

      --modem ADDRESS       tcp://HOST:PORT (atmqtt --tcp, a serial bridge) or serial:DEVICE[@BAUD]
      --broker HOST:PORT    the MQTT broker, as the module reaches it (port default 1883)
      --timeout SECONDS     how long to wait for a message on demo/echo (default 30)
      --wait-for-echo       publish hello to demo/hello and wait for another client to answer on
                            demo/echo (default: publish hello to demo/echo, and get it back)
      --dialect D           auto (default), seed or esp-at
      --client-id ID        the MQTT client ID (default: random)
      --username USER       MQTT user name
      --password PASS       MQTT password
    """;

string? modem = null, broker = null, clientId = null, username = null, password = null;
double timeoutSeconds = 30;
bool waitForEcho = false;
var dialect = AtDialect.Auto;
for (int i = 0; i < args.Length; i++)
{
    string arg = args[i];
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{arg} needs a value.");
    try
    {
        switch (arg)
        {
            case "--modem": modem = Next(); break;
            case "--broker": broker = Next(); break;
            case "--timeout": timeoutSeconds = double.Parse(Next(), NumberStyles.Float, CultureInfo.InvariantCulture); break;
            case "--client-id": clientId = Next(); break;
            case "--wait-for-echo": waitForEcho = true; break;
            case "--username": username = Next(); break;
            case "--password": password = Next(); break;
            case "--dialect":
                dialect = Next() switch
                {
                    "auto" => AtDialect.Auto,
                    "seed" => AtDialect.Seed,
                    "esp-at" => AtDialect.EspAt,
                    var d => throw new ArgumentException($"--dialect: '{d}' is not auto, seed or esp-at."),
                };
                break;
            case "-h" or "--help":
                Console.WriteLine(Usage);
                return 0;
            default:
                throw new ArgumentException($"Unknown option {arg}.");
        }
    }
    catch (Exception ex) when (ex is ArgumentException or FormatException)
    {
        Console.Error.WriteLine(ex.Message);
        Console.Error.WriteLine(Usage);
        return 2;
    }
}

if (modem is null || broker is null || timeoutSeconds <= 0)
{
    Console.Error.WriteLine("--modem and --broker are required; --timeout must be positive.");
    Console.Error.WriteLine(Usage);
    return 2;
}

int colon = broker.LastIndexOf(':');
string brokerHost = colon > 0 ? broker[..colon] : broker;
int brokerPort = 1883;
if (colon > 0 && (!int.TryParse(broker[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out brokerPort) || brokerPort is < 1 or > 65535))
{
    Console.Error.WriteLine($"--broker: '{broker}' is not HOST:PORT.");
    return 2;
}

using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(timeoutSeconds));
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    deadline.Cancel();
};

try
{
    await using var client = await AtMqttClient.OpenAsync(modem, new AtMqttClientOptions { Dialect = dialect }, deadline.Token);
    client.Disconnected += (_, e) => Console.Error.WriteLine($"MQTT link down: {e.Reason}");
    Console.Error.WriteLine($"Module ready ({client.Dialect} dialect); connecting to {brokerHost}:{brokerPort}");

    var options = new AtMqttConnectOptions { Host = brokerHost, Port = brokerPort, Username = username, Password = password };
    if (clientId is not null)
    {
        options = options with { ClientId = clientId };
    }

    await client.ConnectAsync(options, deadline.Token);
    await client.SubscribeAsync("demo/echo", MqttQos.AtLeastOnce, deadline.Token);
    string helloTopic = waitForEcho ? "demo/hello" : "demo/echo";
    await client.PublishAsync(helloTopic, "hello", MqttQos.AtLeastOnce, cancellationToken: deadline.Token);
    Console.Error.WriteLine(waitForEcho
        ? "Published hello to demo/hello; waiting for another client to answer on demo/echo"
        : "Published hello to demo/echo; waiting for the broker to send it back");

    await foreach (var message in client.ReadMessagesAsync(deadline.Token))
    {
        if (message.Topic == "demo/echo")
        {
            Console.WriteLine($"{message.Topic}: {message.PayloadText}");
            await client.DisconnectAsync(CancellationToken.None);
            return 0;
        }
    }

    Console.Error.WriteLine("The module's channel closed before a message arrived on demo/echo.");
    return 1;
}
catch (OperationCanceledException) when (deadline.IsCancellationRequested)
{
    Console.Error.WriteLine($"No message on demo/echo within {timeoutSeconds.ToString(CultureInfo.InvariantCulture)} s.");
    return 1;
}
catch (Exception ex) when (ex is AtMqttException or IOException or UnauthorizedAccessException or System.Net.Sockets.SocketException or FormatException)
{
    Console.Error.WriteLine($"Failed: {ex.Message}");
    return 3;
}
