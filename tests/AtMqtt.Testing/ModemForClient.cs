using System.Globalization;
using AtMqtt.Client;
#if ATMQTT_CORE
using AtMqtt.Core;
#endif

namespace AtMqtt.Testing;

/// <summary>How an <see cref="AtMqttClient"/> reaches the modem of a <see cref="ModemForClient"/>.</summary>
public enum ModemTransport
{
    /// <summary>
    /// A <c>Modem</c> object in the test process (<c>InMemoryModem</c>), over in-memory pipes. net10.0 only: the
    /// engine (AtMqtt.Core) targets .NET 10, so a .NET 8 test run cannot load it.
    /// </summary>
    InProcess,

    /// <summary>The real atmqtt program on <c>--tcp</c> (<see cref="LiveModem"/>), reached with <see cref="AtMqttClient.OpenTcpAsync"/>.</summary>
    Tcp,
}

/// <summary>A modem for an <see cref="AtMqttClient"/> to drive: in process or the atmqtt program over TCP, in either dialect.</summary>
public sealed class ModemForClient : IAsyncDisposable
{
    /// <summary>The transports this target can run: the program over TCP always, the in-process engine on net10.0.</summary>
    public static readonly IReadOnlyList<ModemTransport> Transports =
#if ATMQTT_CORE
        [ModemTransport.InProcess, ModemTransport.Tcp];
#else
        [ModemTransport.Tcp];
#endif

    /// <summary>The in-process engine where this target has it, else the program.</summary>
    public static ModemTransport Fastest => Transports[0];

#if ATMQTT_CORE
    private readonly InMemoryModem? _inMemory;

    private ModemForClient(AtDialect dialect, InMemoryModem inMemory) => (Dialect, _inMemory) = (dialect, inMemory);
#endif

    private readonly LiveModem? _live;

    private ModemForClient(AtDialect dialect, LiveModem live) => (Dialect, _live) = (dialect, live);

    /// <summary>How the client reaches the modem.</summary>
    public ModemTransport Transport => _live is null ? ModemTransport.InProcess : ModemTransport.Tcp;

    /// <summary>The dialect the modem speaks.</summary>
    public AtDialect Dialect { get; }

    /// <summary>The loopback port the program listens on for its host (0 in process).</summary>
    public int TcpPort => _live?.TcpPort ?? 0;

#if ATMQTT_CORE
    /// <summary>The in-process modem (null over TCP).</summary>
    public Modem? Modem => _inMemory?.Modem;
#endif

    /// <summary>The modem program (null in process).</summary>
    public ModemProcess? Process => _live?.Process;

    /// <summary>
    /// Starts a modem (data timeout 5 s in process) with a receive queue of <paramref name="rxQueue"/> QoS 0
    /// messages, as <paramref name="profile"/> (<c>--profile</c>; one that speaks <paramref name="dialect"/>) if given.
    /// </summary>
    public static async Task<ModemForClient> StartAsync(ModemTransport transport, AtDialect dialect, int rxQueue = 1000, string? profile = null)
    {
        string dialectName = dialect == AtDialect.Seed ? "seed" : "esp-at";
        if (transport == ModemTransport.InProcess)
        {
#if ATMQTT_CORE
            var modem = InMemoryModem.CreateDetached(new ModemOptions
            {
                Dialect = Core.Dialects.Dialect.FromName(dialectName)!,
                Profile = profile is null ? null : Core.Profiles.Profile.FromName(profile)!,
                DataTimeout = TimeSpan.FromSeconds(5),
                RxQueue = rxQueue,
            });
            return new ModemForClient(dialect, modem);
#else
            throw new PlatformNotSupportedException("The in-process modem needs AtMqtt.Core, which targets net10.0 only.");
#endif
        }

        string[] args = ["--dialect", dialectName, "--rx-queue", rxQueue.ToString(CultureInfo.InvariantCulture)];
        var live = await LiveModem.StartDetachedAsync(profile is null ? args : [.. args, "--profile", profile]);
        return new ModemForClient(dialect, live);
    }

    /// <summary>A client connected to this modem (initialised), with the dialect chosen or detected.</summary>
    public async Task<AtMqttClient> ConnectClientAsync(AtMqttClientOptions? options = null)
    {
        options ??= new AtMqttClientOptions();
#if ATMQTT_CORE
        if (_inMemory is not null)
        {
            var client = new AtMqttClient(_inMemory.AttachStream(), options);
            await client.InitializeAsync();
            return client;
        }
#endif

        return await AtMqttClient.OpenTcpAsync(FreePort.Host, TcpPort, options);
    }

    /// <summary>Transport and dialect, for test names and messages.</summary>
    public override string ToString() => $"{Transport}/{Dialect}";

    /// <summary>Stops the modem.</summary>
    public async ValueTask DisposeAsync()
    {
#if ATMQTT_CORE
        if (_inMemory is not null)
        {
            await _inMemory.DisposeAsync();
        }
#endif

        if (_live is not null)
        {
            await _live.DisposeAsync();
        }
    }
}
