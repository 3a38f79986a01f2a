using System.Globalization;
using System.IO.Pipelines;
using System.Text;
using AtMqtt.Core;
using Xunit;

namespace AtMqtt.Device.Tests;

/// <summary>The two ends of an in-memory byte channel.</summary>
internal sealed record DuplexPipe(PipeReader Input, PipeWriter Output) : IDuplexPipe;

/// <summary>
/// A real <see cref="Modem"/> driven in memory: the test writes the host's bytes and asserts the
/// exact bytes the modem answers.
/// </summary>
internal sealed class ModemHost : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(5);

    private readonly Pipe _toModem = new();
    private readonly Pipe _fromModem = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<byte> _received = [];
    private Task _run = Task.CompletedTask;

    private ModemHost(ModemOptions options) => Modem = new Modem(options);

    public Modem Modem { get; }

    /// <summary>Starts a modem and consumes its <c>ready</c>.</summary>
    public static async Task<ModemHost> StartAsync(ModemOptions? options = null)
    {
        var host = new ModemHost(options ?? new ModemOptions());
        host._run = host.Modem.RunAsync(new DuplexPipe(host._toModem.Reader, host._fromModem.Writer), host._stop.Token);
        await host.ExpectAsync("ready\r\n");
        return host;
    }

    /// <summary><c>ERR CODE:0x...</c> and ERROR, as written under AT+SYSLOG=1.</summary>
    public static string Error(uint code) => string.Create(CultureInfo.InvariantCulture, $"ERR CODE:0x{code:x8}\r\n\r\nERROR\r\n");

    public async Task SendAsync(string text)
    {
        await _toModem.Writer.WriteAsync(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Sends <paramref name="line"/> with CR LF; expects its echo and then exactly <paramref name="response"/>.</summary>
    public async Task CommandAsync(string line, string response)
    {
        await SendAsync(line + "\r\n");
        await ExpectAsync(line + "\r\n" + response);
    }

    /// <summary>Sends <paramref name="line"/> (echo on) and returns the response after the echo, through its final OK or ERROR.</summary>
    public async Task<string> QueryAsync(string line)
    {
        await SendAsync(line + "\r\n");
        await ExpectAsync(line + "\r\n");
        return await ReadFinalAsync();
    }

    /// <summary>The next bytes are exactly <paramref name="expected"/>.</summary>
    public async Task ExpectAsync(string expected)
    {
        int length = Encoding.UTF8.GetByteCount(expected);
        await FillAsync(length, () => $"expected {Show(expected)}");
        string actual = Take(length);
        Assert.Equal(Show(expected), Show(actual));
    }

    /// <summary>Reads through the next <c>\r\nOK\r\n</c> or <c>\r\nERROR\r\n</c>.</summary>
    public async Task<string> ReadFinalAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            string text = Encoding.UTF8.GetString([.. _received]);
            foreach (string final in (ReadOnlySpan<string>)["\r\nOK\r\n", "\r\nERROR\r\n"])
            {
                int at = text.IndexOf(final, StringComparison.Ordinal);
                if (at >= 0)
                {
                    return Take(Encoding.UTF8.GetByteCount(text[..(at + final.Length)]));
                }
            }

            await ReadMoreAsync(timeout.Token, () => "a final result");
        }
    }

    /// <summary>Nothing arrives for <paramref name="quiet"/>.</summary>
    public async Task ExpectNothingAsync(TimeSpan quiet)
    {
        if (_received.Count == 0)
        {
            using var window = new CancellationTokenSource(quiet);
            try
            {
                var result = await _fromModem.Reader.ReadAsync(window.Token);
                Append(result.Buffer);
                _fromModem.Reader.AdvanceTo(result.Buffer.End);
            }
            catch (OperationCanceledException) when (window.IsCancellationRequested)
            {
            }
        }

        Assert.True(_received.Count == 0, $"unexpected bytes: {Show(Encoding.UTF8.GetString([.. _received]))}");
    }

    public async ValueTask DisposeAsync()
    {
        await _toModem.Writer.CompleteAsync();
        try
        {
            await _run.WaitAsync(Patience);
        }
        catch (TimeoutException)
        {
            await _stop.CancelAsync();
        }

        await Modem.DisposeAsync();
        await _fromModem.Reader.CompleteAsync();
        _stop.Dispose();
    }

    private async Task FillAsync(int length, Func<string> what)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (_received.Count < length)
        {
            await ReadMoreAsync(timeout.Token, what);
        }
    }

    private async Task ReadMoreAsync(CancellationToken timeout, Func<string> what)
    {
        try
        {
            var result = await _fromModem.Reader.ReadAsync(timeout);
            Append(result.Buffer);
            _fromModem.Reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted && result.Buffer.IsEmpty)
            {
                Assert.Fail($"the modem closed its output; waiting for {what()}");
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            Assert.Fail($"timed out waiting for {what()}; received {Show(Encoding.UTF8.GetString([.. _received]))}");
        }
    }

    private void Append(System.Buffers.ReadOnlySequence<byte> buffer)
    {
        foreach (var segment in buffer)
        {
            _received.AddRange(segment.Span);
        }
    }

    private string Take(int length)
    {
        string text = Encoding.UTF8.GetString(_received.GetRange(0, length).ToArray());
        _received.RemoveRange(0, length);
        return text;
    }

    /// <summary>CR and LF made visible, so a failing assertion shows where lines break.</summary>
    private static string Show(string text) => text.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
}
