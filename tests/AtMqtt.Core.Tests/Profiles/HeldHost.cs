using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Xunit.Sdk;

namespace AtMqtt.Core.Tests.Profiles;

/// <summary>
/// A modem whose host reads only when the test says so: each write of the modem's stays in progress
/// (its flush waits) until the test has taken every byte of it. So "a URC is being written" and "the
/// OK has gone out, the '>' not yet" are states the test holds for as long as it likes, not moments
/// it hopes to hit.
/// </summary>
internal sealed class HeldHost : IAsyncDisposable
{
    private readonly Pipe _toModem = new();

    // One byte unread holds the writer: a flush completes once the host has taken everything.
    private readonly Pipe _toHost = new(new PipeOptions(pauseWriterThreshold: 1, resumeWriterThreshold: 1, useSynchronizationContext: false));
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _run;

    private HeldHost(Modem modem)
    {
        Modem = modem;
        _run = Task.Run(() => modem.RunAsync(new Duplex(_toModem.Reader, _toHost.Writer), _cts.Token));
    }

    public Modem Modem { get; }

    /// <summary>Starts a modem with <paramref name="options"/> and takes its <c>ready</c>.</summary>
    public static async Task<HeldHost> StartAsync(ModemOptions options)
    {
        var host = new HeldHost(new Modem(options));
        await host.TakeAsync("ready\r\n");
        return host;
    }

    public async Task SendAsync(string text) => await _toModem.Writer.WriteAsync(Encoding.UTF8.GetBytes(text));

    /// <summary>
    /// Waits until the modem has written at least <paramref name="expected"/> (Latin-1) and checks those
    /// bytes, taking none: the write stays in progress.
    /// </summary>
    public Task SeeAsync(string expected) => ReadAsync(expected, take: false);

    /// <summary>Waits for exactly <paramref name="expected"/> (Latin-1) and takes it: the write it belonged to may complete.</summary>
    public Task TakeAsync(string expected) => ReadAsync(expected, take: true);

    /// <summary>Takes <paramref name="expected"/> as bytes.</summary>
    public Task TakeAsync(byte[] expected) => ReadAsync(Encoding.Latin1.GetString(expected), take: true);

    /// <summary>Sends <paramref name="line"/> and takes its echo and <paramref name="response"/>.</summary>
    public async Task CommandAsync(string line, string response)
    {
        await SendAsync(line + "\r\n");
        await TakeAsync(line + "\r\n" + response);
    }

    /// <summary>Fails if the modem writes anything within <paramref name="quiet"/>.</summary>
    public async Task AssertSilentAsync(TimeSpan quiet)
    {
        using var wait = new CancellationTokenSource(quiet);
        try
        {
            var result = await _toHost.Reader.ReadAsync(wait.Token);
            string got = Encoding.Latin1.GetString(result.Buffer);
            _toHost.Reader.AdvanceTo(result.Buffer.Start);
            throw new XunitException($"Expected no output, got \"{AtHost.Escape(got)}\"");
        }
        catch (OperationCanceledException) when (wait.IsCancellationRequested)
        {
        }
    }

    private async Task ReadAsync(string expected, bool take)
    {
        using var timeout = new CancellationTokenSource(InMemoryModem.Timeout);

        // Taking goes byte by byte as they come, so that a write taken in part lets the next one start.
        int taken = 0;
        string got = "";
        try
        {
            while (true)
            {
                var result = await _toHost.Reader.ReadAsync(timeout.Token);
                var buffer = result.Buffer;
                got = Encoding.Latin1.GetString(buffer);
                int n = Math.Min(got.Length, expected.Length - taken);
                for (int i = 0; i < n; i++)
                {
                    if (got[i] != expected[taken + i])
                    {
                        _toHost.Reader.AdvanceTo(buffer.Start);
                        throw new XunitException(
                            $"Output differs at byte {taken + i}.\nExpected: \"{AtHost.Escape(expected)}\"\nActual:   \"{AtHost.Escape(expected[..taken] + got)}\"");
                    }
                }

                if (take)
                {
                    _toHost.Reader.AdvanceTo(buffer.GetPosition(n));
                    taken += n;
                    if (taken == expected.Length)
                    {
                        return;
                    }
                }
                else if (got.Length >= expected.Length)
                {
                    // Nothing taken and nothing examined: the next read sees these bytes again.
                    _toHost.Reader.AdvanceTo(buffer.Start);
                    return;
                }
                else
                {
                    _toHost.Reader.AdvanceTo(buffer.Start, buffer.End);
                }

                if (result.IsCompleted)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
        }

        throw new XunitException($"Timed out.\nExpected: \"{AtHost.Escape(expected)}\"\nActual:   \"{AtHost.Escape(expected[..taken] + got)}\"");
    }

    public async ValueTask DisposeAsync()
    {
        await _toModem.Writer.CompleteAsync();

        // A write still held ends once its host is gone.
        await _toHost.Reader.CompleteAsync();
        try
        {
            await _run.WaitAsync(InMemoryModem.Timeout);
        }
        catch (TimeoutException)
        {
            await _cts.CancelAsync();
        }

        await Modem.DisposeAsync();
        _cts.Dispose();
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
