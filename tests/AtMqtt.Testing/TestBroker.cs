using System.Globalization;
using Xunit;

namespace AtMqtt.Testing;

/// <summary>Which broker a scenario runs against.</summary>
public enum BrokerKind
{
    /// <summary>MQTTnet's broker inside atmqtt (<c>--embedded-broker PORT</c>).</summary>
    Embedded,

    /// <summary>A real mosquitto started by the tests on a free loopback port.</summary>
    Mosquitto,

    /// <summary>MQTTnet's broker in the test process (<see cref="InProcessBroker"/>), which records what clients send.</summary>
    InProcess,
}

/// <summary>
/// The broker of one test: where probes connect and what the modem under test is told, plus the
/// extra command-line arguments the modem under test needs (its own embedded broker).
/// </summary>
public sealed class TestBroker : IAsyncDisposable
{

    private readonly MosquittoBroker? _mosquitto;
    private readonly bool _ownsMosquitto;
    private ModemProcess? _brokerProcess;

    private TestBroker(BrokerKind kind, int port, string[] modemArgs, MosquittoBroker? mosquitto = null, bool ownsMosquitto = false, ModemProcess? brokerProcess = null) =>
        (Kind, Port, ModemArgs, _mosquitto, _ownsMosquitto, _brokerProcess) = (kind, port, modemArgs, mosquitto, ownsMosquitto, brokerProcess);

    /// <summary>Which broker this is.</summary>
    public BrokerKind Kind { get; }

    /// <summary>The loopback port of the broker.</summary>
    public int Port { get; }

    /// <summary>Arguments for the modem under test (<c>--embedded-broker PORT</c> when it hosts the broker itself).</summary>
    public string[] ModemArgs { get; }

    /// <summary>
    /// The modem under test hosts the broker (<see cref="BrokerKind.Embedded"/>), or the class's shared
    /// mosquitto is used. Start the modem with <see cref="ModemArgs"/> before connecting probes.
    /// </summary>
    public static TestBroker InModemOrShared(BrokerKind kind, MosquittoFixture fixture)
    {
        RefuseInProcess(kind);
        if (kind == BrokerKind.Mosquitto)
        {
            return new TestBroker(kind, fixture.Broker.Port, [], fixture.Broker);
        }

        int port = FreePort.Get();
        return new TestBroker(kind, port, ["--embedded-broker", port.ToString(CultureInfo.InvariantCulture)]);
    }

    /// <summary>
    /// A broker that outlives the modem under test (for wills after a kill, persistent sessions,
    /// restarts): a mosquitto of the test's own, or the embedded broker of a separate atmqtt process.
    /// </summary>
    public static async Task<TestBroker> StandaloneAsync(BrokerKind kind)
    {
        RefuseInProcess(kind);
        if (kind == BrokerKind.Mosquitto)
        {
            var mosquitto = await MosquittoBroker.StartAsync();
            return new TestBroker(kind, mosquitto.Port, [], mosquitto, ownsMosquitto: true);
        }

        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort.Get();
            var process = await TryStartEmbeddedAsync(port);
            if (process is not null)
            {
                return new TestBroker(kind, port, [], brokerProcess: process);
            }

            if (attempt == 3)
            {
                throw new InvalidOperationException("Could not start a standalone embedded broker after 3 attempts.");
            }
        }
    }

    /// <summary>
    /// Starts the modem under test for this broker (hosting it, for <see cref="BrokerKind.Embedded"/> from
    /// <see cref="InModemOrShared"/>) with <paramref name="extraArgs"/>, a host attached.
    /// </summary>
    public Task<LiveModem> StartModemAsync(params string[] extraArgs) => LiveModem.StartAsync([.. ModemArgs, .. extraArgs]);

    /// <summary>Connects an independent MQTT client to this broker.</summary>
    public Task<MqttProbe> ProbeAsync(string? clientId = null, bool cleanSession = true) =>
        MqttProbe.ConnectAsync(FreePort.Host, Port, clientId, cleanSession);

    /// <summary>Kills the broker and starts it again on the same port (no sessions survive).</summary>
    public async Task RestartAsync()
    {
        if (_mosquitto is not null)
        {
            if (!_ownsMosquitto)
            {
                throw new InvalidOperationException("Restart needs a broker of the test's own (StandaloneAsync).");
            }

            await _mosquitto.RestartAsync();
            return;
        }

        if (_brokerProcess is null)
        {
            throw new InvalidOperationException("The embedded broker lives in the modem under test; use StandaloneAsync to restart it.");
        }

        await _brokerProcess.DisposeAsync();
        _brokerProcess = null;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(10);
        while (_brokerProcess is null)
        {
            _brokerProcess = await TryStartEmbeddedAsync(Port);
            if (_brokerProcess is null)
            {
                if (DateTime.UtcNow >= deadline)
                {
                    throw new InvalidOperationException($"The embedded broker could not be restarted on port {Port}.");
                }

                await Task.Delay(200);
            }
        }
    }

    /// <summary>Stops the broker if this test started it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_ownsMosquitto && _mosquitto is not null)
        {
            await _mosquitto.DisposeAsync();
        }

        if (_brokerProcess is not null)
        {
            await _brokerProcess.DisposeAsync();
        }
    }

    /// <summary>Kind and address, for test names and messages.</summary>
    public override string ToString() => $"{Kind} broker on {FreePort.Host}:{Port}";

    /// <summary>A program's broker cannot live in the test process: <see cref="BrokerKind.InProcess"/> is for in-process modems.</summary>
    private static void RefuseInProcess(BrokerKind kind)
    {
        if (kind == BrokerKind.InProcess)
        {
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "a TestBroker is atmqtt's embedded broker or a mosquitto");
        }
    }

    /// <summary>atmqtt on stdio (stdin held open) with only its embedded broker in use; null if it could not listen.</summary>
    private static async Task<ModemProcess?> TryStartEmbeddedAsync(int port)
    {
        var process = await ModemProcess.StartAsync("--embedded-broker", port.ToString(CultureInfo.InvariantCulture));
        try
        {
            await process.WaitForStdErrAsync("Embedded MQTT broker listening", ModemProcessExtensions.StartTimeout);
            return process;
        }
        catch (InvalidOperationException)
        {
            // Exited: the port is still (or already) taken.
            await process.DisposeAsync();
            return null;
        }
    }
}
