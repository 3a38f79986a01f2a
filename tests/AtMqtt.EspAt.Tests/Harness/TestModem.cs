using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using AtMqtt.Core;
using AtMqtt.Core.Dialects;
using AtMqtt.TestSupport;
using Xunit;

namespace AtMqtt.EspAt.Tests.Harness;

/// <summary>The two ends of an in-memory byte channel.</summary>
internal sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;

/// <summary>
/// A real <see cref="Modem"/> in this process, its host channel two <see cref="Pipe"/>s, driven
/// through an <see cref="AtHost"/> (the same host helper the process tests use). Assertions compare
/// exact bytes and show CR and LF visibly when they fail.
/// </summary>
internal sealed class TestModem : IAsyncDisposable
{
    public const string Ok = "\r\nOK\r\n";
    public const string Error = "\r\nERROR\r\n";

    private readonly Pipe _toModem = new();
    private readonly Pipe _fromModem = new();
    private readonly CancellationTokenSource _stop = new();
    private Task _run = Task.CompletedTask;

    private TestModem(ModemOptions options)
    {
        Modem = new Modem(options);
        Host = new AtHost(_fromModem.Reader.AsStream(), _toModem.Writer.AsStream());
    }

    public Modem Modem { get; }

    public AtHost Host { get; }

    /// <summary>Starts a modem in <paramref name="dialect"/> and consumes its <c>ready</c>.</summary>
    public static Task<TestModem> StartAsync(Dialect dialect, TimeSpan? dataTimeout = null) =>
        StartAsync(new ModemOptions { Dialect = dialect, DataTimeout = dataTimeout ?? TimeSpan.FromSeconds(5) });

    public static async Task<TestModem> StartAsync(ModemOptions options)
    {
        var modem = new TestModem(options);
        modem._run = modem.Modem.RunAsync(new DuplexPipe(modem._toModem.Reader, modem._fromModem.Writer), modem._stop.Token);
        await modem.ExpectAsync("ready\r\n");
        return modem;
    }

    /// <summary><c>ERR CODE:0x...</c> and ERROR, as written under AT+SYSLOG=1.</summary>
    public static string Err(uint code) =>
        string.Create(CultureInfo.InvariantCulture, $"ERR CODE:0x{code:x8}\r\n") + Error;

    /// <summary>CR, LF and other control bytes made visible.</summary>
    public static string Show(string text) => AtHost.Escape(text);

    public Task SendAsync(string text) => Host.SendAsync(text);

    public Task SendAsync(byte[] data) => Host.SendBytesAsync(data);

    /// <summary>The next bytes the modem writes are exactly <paramref name="expected"/> (UTF-8).</summary>
    public async Task ExpectAsync(string expected, TimeSpan? timeout = null)
    {
        var want = Encoding.UTF8.GetBytes(expected);
        byte[] got;
        try
        {
            got = await Host.ReadExactlyAsync(want.Length, timeout);
        }
        catch (TimeoutException ex)
        {
            throw new Xunit.Sdk.XunitException($"Expected \"{Show(expected)}\" but: {ex.Message}");
        }

        Assert.Equal(Show(Encoding.Latin1.GetString(want)), Show(Encoding.Latin1.GetString(got)));
    }

    /// <summary>The next bytes are exactly <paramref name="expected"/>.</summary>
    public async Task ExpectAsync(byte[] expected, TimeSpan? timeout = null)
    {
        var got = await Host.ReadExactlyAsync(expected.Length, timeout);
        Assert.Equal(expected, got);
    }

    /// <summary>Sends <paramref name="line"/> and CR LF; expects its echo, then exactly <paramref name="response"/>.</summary>
    public async Task CommandAsync(string line, string response, TimeSpan? timeout = null)
    {
        await SendAsync(line + "\r\n");
        await ExpectAsync(line + "\r\n" + response, timeout);
    }

    /// <summary>Sends <paramref name="line"/> and returns everything through its final result (echo included).</summary>
    public Task<string> ExchangeAsync(string line, TimeSpan? timeout = null) => Host.CommandAsync(line, timeout);

    /// <summary>Turns AT+SYSLOG on (ERR CODE lines before ERROR).</summary>
    public Task SysLogOnAsync() => CommandAsync("AT+SYSLOG=1", Ok);

    /// <summary>Nothing at all arrives for <paramref name="quiet"/>.</summary>
    public async Task ExpectNothingAsync(TimeSpan quiet)
    {
        string extra = await Host.DrainAsync(quiet, quiet + TimeSpan.FromSeconds(1));
        Assert.True(extra.Length == 0, $"unexpected bytes: \"{Show(extra)}\"");
    }

    public async ValueTask DisposeAsync()
    {
        await _toModem.Writer.CompleteAsync();
        try
        {
            await _run.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            await _stop.CancelAsync();
        }

        await Modem.DisposeAsync();
        await _fromModem.Writer.CompleteAsync();
        await Host.DisposeAsync();
        _stop.Dispose();
    }
}
