using System.Globalization;
using AtMqtt.Client;
using AtMqtt.Core;
using AtMqtt.Core.Dialects;

namespace AtMqtt.Testing;

/// <summary>How an <see cref="AtMqttClient"/> reaches the modem of a <see cref="ModemForClient"/>.</summary>
public enum ModemTransport
{
    /// <summary>A <see cref="Modem"/> object in the test process (<see cref="InMemoryModem"/>), over in-memory pipes.</summary>
    InProcess,

    /// <summary>The real atmqtt program on <c>--tcp</c> (<see cref="LiveModem"/>), reached with <see cref="AtMqttClient.OpenTcpAsync"/>.</summary>
    Tcp,
}

/// <summary>A modem for an <see cref="AtMqttClient"/> to drive: in process or the atmqtt program over TCP, in either dialect.</summary>
public sealed class ModemForClient : IAsyncDisposable
{
    private readonly InMemoryModem? _inMemory;
    private readonly LiveModem? _live;

    private ModemForClient(AtDialect dialect, InMemoryModem? inMemory, LiveModem? live) => (Dialect, _inMemory, _live) = (dialect, inMemory, live);

    /// <summary>How the client reaches the modem.</summary>
    public ModemTransport Transport => _live is null ? ModemTransport.InProcess : ModemTransport.Tcp;

    /// <summary>The dialect the modem speaks.</summary>
    public AtDialect Dialect { get; }

    /// <summary>The loopback port the program listens on for its host (0 in process).</summary>
    public int TcpPort => _live?.TcpPort ?? 0;

    /// <summary>The in-process modem (null over TCP).</summary>
    public Modem? Modem => _inMemory?.Modem;

    /// <summary>The modem program (null in process).</summary>
    public ModemProcess? Process => _live?.Process;

    /// <summary>Starts a modem (data timeout 5 s in process) with a receive queue of <paramref name="rxQueue"/> QoS 0 messages.</summary>
    public static async Task<ModemForClient> StartAsync(ModemTransport transport, AtDialect dialect, int rxQueue = 1000)
    {
        string dialectName = dialect == AtDialect.Seed ? "seed" : "esp-at";
        if (transport == ModemTransport.InProcess)
        {
            var modem = InMemoryModem.CreateDetached(new ModemOptions
            {
                Dialect = Core.Dialects.Dialect.FromName(dialectName)!,
                DataTimeout = TimeSpan.FromSeconds(5),
                RxQueue = rxQueue,
            });
            return new ModemForClient(dialect, modem, null);
        }

        var live = await LiveModem.StartDetachedAsync("--dialect", dialectName, "--rx-queue", rxQueue.ToString(CultureInfo.InvariantCulture));
        return new ModemForClient(dialect, null, live);
    }

    /// <summary>A client connected to this modem (initialised), with the dialect chosen or detected.</summary>
    public async Task<AtMqttClient> ConnectClientAsync(AtMqttClientOptions? options = null)
    {
        options ??= new AtMqttClientOptions();
        if (_inMemory is not null)
        {
            var client = new AtMqttClient(_inMemory.AttachStream(), options);
            await client.InitializeAsync();
            return client;
        }

        return await AtMqttClient.OpenTcpAsync(FreePort.Host, TcpPort, options);
    }

    /// <summary>Transport and dialect, for test names and messages.</summary>
    public override string ToString() => $"{Transport}/{Dialect}";

    /// <summary>Stops the modem.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_inMemory is not null)
        {
            await _inMemory.DisposeAsync();
        }

        if (_live is not null)
        {
            await _live.DisposeAsync();
        }
    }
}
