using System.Globalization;
#if ATMQTT_CORE
using System.IO.Pipelines;
using AtMqtt.Core;
#endif

namespace AtMqtt.Client.Tests.Harness;

/// <summary>How the client reaches the modem.</summary>
public enum Transport
{
    /// <summary>
    /// A <c>Modem</c> object in the test process, over two in-memory pipes. net10.0 only: the engine
    /// (AtMqtt.Core) targets .NET 10, so the .NET 8 run of these tests cannot load it.
    /// </summary>
    InProcess,

    /// <summary>The real atmqtt program (<c>--tcp</c>), reached with <see cref="AtMqttClient.OpenTcpAsync"/>.</summary>
    Tcp,
}

/// <summary>A modem for the client to drive: in-process or the atmqtt program over TCP, in either dialect.</summary>
public sealed class ModemUnderTest : IAsyncDisposable
{
    /// <summary>The transports this target can run: the program over TCP always, the in-process engine on net10.0.</summary>
    public static readonly IReadOnlyList<Transport> Transports =
#if ATMQTT_CORE
        [Transport.InProcess, Transport.Tcp];
#else
        [Transport.Tcp];
#endif

    /// <summary>The in-process engine where this target has it, else the program.</summary>
    public static Transport Fastest => Transports[0];

#if ATMQTT_CORE
    private readonly Modem? _modem;
    private readonly CancellationTokenSource? _stop;
    private readonly Task? _run;
    private readonly Pipe? _toModem;
    private readonly Pipe? _toHost;

    private ModemUnderTest(AtDialect dialect, Modem modem, CancellationTokenSource stop, Task run, Pipe toModem, Pipe toHost)
    {
        Transport = Transport.InProcess;
        Dialect = dialect;
        _modem = modem;
        _stop = stop;
        _run = run;
        _toModem = toModem;
        _toHost = toHost;
    }
#endif

    private readonly ModemProcess? _process;

    private ModemUnderTest(AtDialect dialect, ModemProcess process, int tcpPort)
    {
        Transport = Transport.Tcp;
        Dialect = dialect;
        _process = process;
        TcpPort = tcpPort;
    }

    public Transport Transport { get; }

    public AtDialect Dialect { get; }

    public int TcpPort { get; }

    /// <summary>The modem program (null in-process).</summary>
    public ModemProcess? Process => _process;

    public static async Task<ModemUnderTest> StartAsync(Transport transport, AtDialect dialect, int rxQueue = 1000)
    {
        string dialectName = dialect == AtDialect.Seed ? "seed" : "esp-at";
        if (transport == Transport.InProcess)
        {
#if ATMQTT_CORE
            var modem = new Modem(new ModemOptions
            {
                Dialect = AtMqtt.Core.Dialects.Dialect.FromName(dialectName)!,
                DataTimeout = TimeSpan.FromSeconds(5),
                RxQueue = rxQueue,
            });
            var toModem = new Pipe();
            var toHost = new Pipe();
            var stop = new CancellationTokenSource();
            var run = Task.Run(() => modem.RunAsync(new DuplexPipe(toModem.Reader, toHost.Writer), stop.Token));
            return new ModemUnderTest(dialect, modem, stop, run, toModem, toHost);
#else
            throw new PlatformNotSupportedException("The in-process modem needs AtMqtt.Core, which targets net10.0 only.");
#endif
        }

        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort.Get();
            var process = await ModemProcess.StartAsync("--tcp", $"{FreePort.Host}:{port}", "--dialect", dialectName,
                "--rx-queue", rxQueue.ToString(CultureInfo.InvariantCulture));
            try
            {
                await process.WaitForStdErrAsync("Listening for a host on", TimeSpan.FromSeconds(20));
                return new ModemUnderTest(dialect, process, port);
            }
            catch (Exception) when (attempt < 3)
            {
                await process.DisposeAsync();
            }
        }
    }

    /// <summary>A client connected to this modem (initialised), with the dialect chosen or detected.</summary>
    public async Task<AtMqttClient> ConnectClientAsync(AtMqttClientOptions? options = null)
    {
        options ??= new AtMqttClientOptions();
#if ATMQTT_CORE
        if (Transport == Transport.InProcess)
        {
            var stream = new DuplexStream(_toHost!.Reader.AsStream(), _toModem!.Writer.AsStream());
            var client = new AtMqttClient(stream, options);
            await client.InitializeAsync();
            return client;
        }
#endif

        return await AtMqttClient.OpenTcpAsync(FreePort.Host, TcpPort, options);
    }

    public override string ToString() => $"{Transport}/{Dialect}";

    public async ValueTask DisposeAsync()
    {
#if ATMQTT_CORE
        if (_modem is not null)
        {
            await _toModem!.Writer.CompleteAsync();
            try
            {
                await _run!.WaitAsync(TimeSpan.FromSeconds(5));
            }
            catch (Exception)
            {
                await _stop!.CancelAsync();
            }

            await _toHost!.Writer.CompleteAsync();
            await _modem.DisposeAsync();
            _stop!.Dispose();
        }
#endif

        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }

#if ATMQTT_CORE
    private sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;
#endif
}
