using System.IO.Pipelines;
using AtMqtt.Core;
using AtMqtt.TestSupport;

namespace AtMqtt.ReliabilityTests.Support;

/// <summary>A <see cref="Modem"/> in this process, its host an <see cref="AtHost"/> over two pipes.</summary>
public sealed class InProcessModem : IAsyncDisposable
{
    private readonly Pipe _toModem = new();
    private readonly Pipe _toHost = new();
    private readonly CancellationTokenSource _cts = new();

    private InProcessModem(ModemOptions options)
    {
        Modem = new Modem(options);
        Host = new AtHost(_toHost.Reader.AsStream(), _toModem.Writer.AsStream());
        Run = Task.Run(() => Modem.RunAsync(new DuplexPipe(_toModem.Reader, _toHost.Writer), _cts.Token));
    }

    public Modem Modem { get; }

    public AtHost Host { get; }

    public Task Run { get; }

    /// <summary>Starts a modem and consumes the <c>ready\r\n</c> it writes first.</summary>
    public static async Task<InProcessModem> StartAsync(ModemOptions? options = null)
    {
        var modem = new InProcessModem(options ?? new ModemOptions());
        var ready = System.Text.Encoding.Latin1.GetString(await modem.Host.ReadExactlyAsync(7, LiveModem.Timeout));
        if (ready != "ready\r\n")
        {
            await modem.DisposeAsync();
            throw new InvalidOperationException($"Expected ready first, got \"{AtHost.Escape(ready)}\"");
        }

        return modem;
    }

    public async ValueTask DisposeAsync()
    {
        await _toModem.Writer.CompleteAsync();
        try
        {
            await Run.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
            _cts.Cancel();
        }

        await _toHost.Writer.CompleteAsync();
        await Host.DisposeAsync();
        await Modem.DisposeAsync();
        _cts.Dispose();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
