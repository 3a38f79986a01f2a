using System.Diagnostics;
using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using AtMqtt.Core;
using AtMqtt.Core.Dialects;
using Xunit;
using Xunit.Sdk;

namespace AtMqtt.Testing;

/// <summary>
/// A real <see cref="Modem"/> served in memory: two <see cref="Pipe"/>s (host to modem, modem to host)
/// handed to <see cref="Modem.RunAsync"/>, and an <see cref="AtHost"/> over the other ends, so that a
/// test asserts the exact bytes the modem writes. A host can be detached and another attached; the
/// modem keeps its state between them, as a module does when its UART is unplugged.
/// </summary>
public sealed class InMemoryModem : IAsyncDisposable
{
    /// <summary>The final result of a successful command.</summary>
    public const string Ok = "\r\nOK\r\n";

    /// <summary>The final result of a failed command (without the ERR CODE line of AT+SYSLOG=1).</summary>
    public const string Error = "\r\nERROR\r\n";

    /// <summary>How long any expected output may take to arrive: generous, for a loaded two-core machine.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private CancellationTokenSource _cts = new();
    private Pipe _toModem = new();
    private Pipe _toHost = new();
    private Task _run = Task.CompletedTask;
    private AtHost? _host;
    private bool _disposed;

    private InMemoryModem(Modem modem)
    {
        Modem = modem;
    }

    /// <summary>The modem under test.</summary>
    public Modem Modem { get; }

    /// <summary>The host side of the current attachment.</summary>
    public AtHost Host => _host ?? throw new InvalidOperationException("no host attached");

    /// <summary>The task of the current <see cref="Modem.RunAsync"/>.</summary>
    public Task Run => _run;

    /// <summary>Sees every byte each way from the next attachment on (the in-process modem's line events).</summary>
    internal AtMqtt.Cli.Transcript.IByteObserver? Tap { get; set; }

    /// <summary>Options for tests: a data timeout long enough for deliberate pauses, short enough to fail fast.</summary>
    public static ModemOptions DefaultOptions => new() { DataTimeout = TimeSpan.FromSeconds(5) };

    /// <summary>
    /// Host-to-modem pipe options under which each <see cref="SendAsync(byte[])"/> returns only once the
    /// modem has consumed those bytes: every send is a read of its own, as on a byte-paced UART.
    /// </summary>
    public static PipeOptions LockStep => new(pauseWriterThreshold: 1, resumeWriterThreshold: 1);

    /// <summary>
    /// Creates a modem (<see cref="DefaultOptions"/> unless given), attaches a host and consumes what the module
    /// writes first: <c>ready\r\n</c>, or a cellular module's boot lines (<see cref="Core.Profiles.Profile.Boot"/>).
    /// </summary>
    public static async Task<InMemoryModem> StartAsync(ModemOptions? options = null, PipeOptions? input = null)
    {
        var modem = new InMemoryModem(new Modem(options ?? DefaultOptions));
        modem.Attach(input);
        try
        {
            await modem.ExpectAsync(modem.Modem.Profile.Boot);
        }
        catch
        {
            await modem.DisposeAsync();
            throw;
        }

        return modem;
    }

    /// <summary>Starts a modem in <paramref name="dialect"/> (data timeout 5 s unless given).</summary>
    public static Task<InMemoryModem> StartAsync(Dialect dialect, TimeSpan? dataTimeout = null) =>
        StartAsync(new ModemOptions { Dialect = dialect, DataTimeout = dataTimeout ?? TimeSpan.FromSeconds(5) });

    /// <summary>Creates a modem without attaching a host.</summary>
    public static InMemoryModem CreateDetached(ModemOptions? options = null) => new(new Modem(options ?? DefaultOptions));

    /// <summary><c>ERR CODE:0x...</c> and ERROR, as written under AT+SYSLOG=1.</summary>
    public static string Err(uint code) =>
        string.Create(CultureInfo.InvariantCulture, $"ERR CODE:0x{code:x8}\r\n") + Error;

    /// <summary>CR, LF and other control bytes made visible.</summary>
    public static string Show(string text) => AtHost.Escape(text);

    /// <summary>Attaches a new host (fresh pipes); the caller reads the <c>ready</c>.</summary>
    public void Attach(PipeOptions? input = null)
    {
        var (fromModem, toModem) = Connect(input);
        _host = new AtHost(fromModem, toModem);
    }

    /// <summary>
    /// Attaches a host of the caller's own instead of an <see cref="AtHost"/> (a driver such as
    /// AtMqttClient) and returns its end of the line: one duplex stream, on which <c>ready</c> comes first.
    /// </summary>
    public Stream AttachStream(PipeOptions? input = null)
    {
        var (fromModem, toModem) = Connect(input);
        _host = null;
        return new DuplexStream(fromModem, toModem);
    }

    /// <summary>The host goes away: its output ends, RunAsync returns and the modem keeps its state.</summary>
    public async Task DetachAsync()
    {
        await _toModem.Writer.CompleteAsync();
        await _run.WaitAsync(Timeout);
        await _toHost.Writer.CompleteAsync();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }
    }

    /// <summary>Sends <paramref name="text"/> (UTF-8) to the modem.</summary>
    public Task SendAsync(string text) => Host.SendBytesAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>Sends raw bytes to the modem.</summary>
    public Task SendAsync(byte[] bytes) => Host.SendBytesAsync(bytes);

    /// <summary>Waits for exactly <paramref name="expected"/> (UTF-8) and consumes it; fails at the first differing byte.</summary>
    public Task ExpectAsync(string expected, TimeSpan? timeout = null) => ExpectAsync(Encoding.UTF8.GetBytes(expected), timeout);

    /// <summary>Waits for exactly <paramref name="expected"/> and consumes it; fails at the first differing byte.</summary>
    public async Task ExpectAsync(byte[] expected, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Timeout;
        var sw = Stopwatch.StartNew();
        var want = Encoding.Latin1.GetString(expected);
        while (true)
        {
            var pending = Host.Pending;
            int n = Math.Min(pending.Length, want.Length);
            for (int i = 0; i < n; i++)
            {
                if (pending[i] != want[i])
                {
                    // Let the rest of the response arrive (or not), for a readable message.
                    string rest = await Host.DrainAsync(TimeSpan.FromMilliseconds(150), TimeSpan.FromSeconds(1));
                    throw new XunitException(
                        $"Output differs at byte {i}.\nExpected: \"{Show(want)}\"\nActual:   \"{Show(rest)}\"");
                }
            }

            if (pending.Length >= want.Length)
            {
                var got = await Host.ReadExactlyAsync(expected.Length, TimeSpan.FromSeconds(1));
                Assert.Equal(expected, got);
                return;
            }

            if (sw.Elapsed > limit)
            {
                throw new XunitException(
                    $"Timed out after {limit.TotalSeconds:0.#} s.\nExpected: \"{Show(want)}\"\nActual:   \"{Show(pending)}\"");
            }

            await Host.WaitForDataAsync(pending.Length, TimeSpan.FromMilliseconds(200));
        }
    }

    /// <summary>Sends <paramref name="line"/> + CR LF and expects its echo, then exactly <paramref name="response"/>.</summary>
    public async Task CommandAsync(string line, string response, TimeSpan? timeout = null)
    {
        await SendAsync(line + "\r\n");
        await ExpectAsync(line + "\r\n" + response, timeout);
    }

    /// <summary>Sends <paramref name="line"/> and returns everything through its final result (echo included).</summary>
    public Task<string> ExchangeAsync(string line, TimeSpan? timeout = null) => Host.CommandAsync(line, timeout ?? Timeout);

    /// <summary>Sends <paramref name="line"/> (echo on) and returns the response after the echo, through its final OK or ERROR.</summary>
    public async Task<string> QueryAsync(string line)
    {
        await SendAsync(line + "\r\n");
        await ExpectAsync(line + "\r\n");
        return await ReadFinalAsync();
    }

    /// <summary>Reads through the next <c>\r\nOK\r\n</c> or <c>\r\nERROR\r\n</c>.</summary>
    public Task<string> ReadFinalAsync() => Host.ReadUntilAnyAsync([Ok, Error], Timeout);

    /// <summary>The health check after every bad input: <c>AT</c> still answers <c>OK</c> (echo on).</summary>
    public Task AssertAliveAsync() => CommandAsync("AT", Ok);

    /// <summary>Fails if the modem writes anything within <paramref name="quiet"/>.</summary>
    public async Task AssertSilentAsync(TimeSpan quiet)
    {
        var got = await Host.DrainAsync(quiet, quiet + TimeSpan.FromSeconds(1));
        Assert.True(got.Length == 0, $"Expected no output, got \"{Show(got)}\"");
    }

    /// <summary>Reads up to and including <paramref name="marker"/> (Latin-1 text).</summary>
    public Task<string> ReadUntilAsync(string marker) => Host.ReadUntilAsync(marker, Timeout);

    /// <summary>Turns AT+SYSLOG on (ERR CODE lines before ERROR; echo on).</summary>
    public Task SysLogOnAsync() => CommandAsync("AT+SYSLOG=1", Ok);

    /// <summary>AT+MQTTUSERCFG with scheme 1 and the given client id.</summary>
    public Task UserConfigAsync(string clientId) =>
        CommandAsync($"AT+MQTTUSERCFG=0,1,\"{clientId}\",\"\",\"\",0,0,\"\"", Ok);

    /// <summary>AT+MQTTCONN to 127.0.0.1:<paramref name="port"/>, expecting success (seed dialect output).</summary>
    public Task ConnectAsync(int port, int reconnect = 0) =>
        CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{port},{reconnect}",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",{port},{reconnect}\r\n" + Ok);

    /// <summary>USERCFG with a fresh client id (unless given), then CONN; returns the client id.</summary>
    public async Task<string> ConfigureAndConnectAsync(int port, string? clientId = null)
    {
        clientId ??= Unique.Id("m");
        await UserConfigAsync(clientId);
        await ConnectAsync(port);
        return clientId;
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _toModem.Writer.CompleteAsync();
        try
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
        }

        await _cts.CancelAsync();
        await _toHost.Writer.CompleteAsync();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await Modem.DisposeAsync();
        _cts.Dispose();
    }

    /// <summary>Fresh pipes and a new <see cref="Modem.RunAsync"/> on them; returns the host's ends (read, write).</summary>
    private (Stream FromModem, Stream ToModem) Connect(PipeOptions? input)
    {
        _cts = new CancellationTokenSource();
        _toModem = new Pipe(input ?? PipeOptions.Default);
        _toHost = new Pipe();
        var modemSide = Tap is { } tap
            ? new DuplexPipe(
                new AtMqtt.Cli.Transcript.TapReader(_toModem.Reader, tap, AtMqtt.Cli.Transcript.Direction.HostToModem),
                new AtMqtt.Cli.Transcript.TapWriter(_toHost.Writer, tap, AtMqtt.Cli.Transcript.Direction.ModemToHost))
            : new DuplexPipe(_toModem.Reader, _toHost.Writer);
        _run = Task.Run(() => Modem.RunAsync(modemSide, _cts.Token));
        return (_toHost.Reader.AsStream(), _toModem.Writer.AsStream());
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
