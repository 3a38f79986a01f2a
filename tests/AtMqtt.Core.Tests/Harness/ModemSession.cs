using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using AtMqtt.TestSupport;
using Xunit;
using Xunit.Sdk;

namespace AtMqtt.Core.Tests.Harness;

/// <summary>
/// A <see cref="Modem"/> served in memory: two <see cref="Pipe"/>s (host to modem, modem to host)
/// handed to <see cref="Modem.RunAsync"/>, and an <see cref="AtHost"/> over stream adapters of the
/// other ends, so that tests can assert the exact bytes the modem writes.
/// </summary>
public sealed class ModemSession : IAsyncDisposable
{
    /// <summary>How long any expected output may take to arrive.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(8);

    private CancellationTokenSource _cts = new();
    private Pipe _toModem = new();
    private Pipe _toHost = new();
    private Task _run = Task.CompletedTask;
    private AtHost? _host;
    private bool _disposed;

    private ModemSession(Modem modem)
    {
        Modem = modem;
    }

    public Modem Modem { get; }

    /// <summary>The host side of the current attachment.</summary>
    public AtHost Host => _host ?? throw new InvalidOperationException("no host attached");

    /// <summary>The task of the current <see cref="Modem.RunAsync"/>.</summary>
    public Task Run => _run;

    /// <summary>Default options for tests: a data timeout long enough for deliberate pauses, short enough to fail fast.</summary>
    public static ModemOptions DefaultOptions => new() { DataTimeout = TimeSpan.FromSeconds(5) };

    /// <summary>
    /// Host-to-modem pipe options under which each <see cref="SendAsync(byte[])"/> returns only once the
    /// modem has consumed those bytes: every send is a read of its own, as on a byte-paced UART.
    /// </summary>
    public static PipeOptions LockStep => new(pauseWriterThreshold: 1, resumeWriterThreshold: 1);

    /// <summary>Creates a modem, attaches a host and consumes the <c>ready\r\n</c> it must write first.</summary>
    public static async Task<ModemSession> StartAsync(ModemOptions? options = null, PipeOptions? input = null)
    {
        var session = new ModemSession(new Modem(options ?? DefaultOptions));
        session.Attach(input);
        await session.ExpectAsync("ready\r\n");
        return session;
    }

    /// <summary>Creates a modem without attaching a host.</summary>
    public static ModemSession CreateDetached(ModemOptions? options = null) => new(new Modem(options ?? DefaultOptions));

    /// <summary>Attaches a new host (fresh pipes); the caller reads the <c>ready</c>.</summary>
    public void Attach(PipeOptions? input = null)
    {
        _cts = new CancellationTokenSource();
        _toModem = new Pipe(input ?? PipeOptions.Default);
        _toHost = new Pipe();
        var modemSide = new DuplexPipe(_toModem.Reader, _toHost.Writer);
        _host = new AtHost(_toHost.Reader.AsStream(), _toModem.Writer.AsStream());
        _run = Task.Run(() => Modem.RunAsync(modemSide, _cts.Token));
    }

    /// <summary>The host goes away: its output ends, RunAsync returns and the modem keeps its state.</summary>
    public async Task DetachAsync()
    {
        await _toModem.Writer.CompleteAsync();
        await _run.WaitAsync(Timeout);
        await _toHost.Writer.CompleteAsync();
        await Host.DisposeAsync();
    }

    public Task SendAsync(string text) => Host.SendBytesAsync(Encoding.UTF8.GetBytes(text));

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
                    // Give the rest of the response a moment to arrive, for a readable message.
                    await Task.Delay(150);
                    throw new XunitException(
                        $"Output differs at byte {i}.\nExpected: \"{AtHost.Escape(want)}\"\nActual:   \"{AtHost.Escape(Host.Pending)}\"");
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
                    $"Timed out after {limit.TotalSeconds:0.#} s.\nExpected: \"{AtHost.Escape(want)}\"\nActual:   \"{AtHost.Escape(pending)}\"");
            }

            await Task.Delay(5);
        }
    }

    /// <summary>Sends <paramref name="line"/> + CR LF and expects <paramref name="response"/> after the echo of the line.</summary>
    public async Task EchoedAsync(string line, string response)
    {
        await SendAsync(line + "\r\n");
        await ExpectAsync(line + "\r\n" + response);
    }

    /// <summary>The health check after every bad input: <c>AT</c> still answers <c>OK</c> (echo on).</summary>
    public async Task AssertAliveAsync()
    {
        await SendAsync("AT\r\n");
        await ExpectAsync("AT\r\n\r\nOK\r\n");
    }

    /// <summary>Fails if the modem writes anything within <paramref name="quiet"/>.</summary>
    public async Task AssertSilentAsync(TimeSpan quiet)
    {
        var got = await Host.DrainAsync(quiet, quiet + TimeSpan.FromSeconds(1));
        Assert.True(got.Length == 0, $"Expected no output, got \"{AtHost.Escape(got)}\"");
    }

    /// <summary>Reads up to and including <paramref name="marker"/> (Latin-1 text).</summary>
    public Task<string> ReadUntilAsync(string marker) => Host.ReadUntilAsync(marker, Timeout);

    /// <summary>Turns AT+SYSLOG on (echo on).</summary>
    public Task SysLogOnAsync() => EchoedAsync("AT+SYSLOG=1", "\r\nOK\r\n");

    /// <summary>AT+MQTTUSERCFG with scheme 1 and the given client id.</summary>
    public Task UserConfigAsync(string clientId) =>
        EchoedAsync($"AT+MQTTUSERCFG=0,1,\"{clientId}\",\"\",\"\",0,0,\"\"", "\r\nOK\r\n");

    /// <summary>AT+MQTTCONN to 127.0.0.1:<paramref name="port"/>, expecting success.</summary>
    public Task ConnectAsync(int port, int reconnect = 0) =>
        EchoedAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{port},{reconnect}",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",{port},{reconnect}\r\n\r\nOK\r\n");

    /// <summary>USERCFG with a fresh client id, then CONN.</summary>
    public async Task<string> ConfigureAndConnectAsync(int port, string? clientId = null)
    {
        clientId ??= "m-" + Guid.NewGuid().ToString("N")[..10];
        await UserConfigAsync(clientId);
        await ConnectAsync(port);
        return clientId;
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _cts.Cancel();
        await _toModem.Writer.CompleteAsync();
        try
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception ex) when (ex is TimeoutException or OperationCanceledException)
        {
        }

        await _toHost.Writer.CompleteAsync();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        await Modem.DisposeAsync();
        _cts.Dispose();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
