using System.Diagnostics;
using System.IO.Pipelines;
using AtMqtt.Cli.Channels;
using AtMqtt.Core;
using AtMqtt.Core.Instrument;
using Microsoft.Extensions.Logging.Abstractions;
using Xunit;

namespace AtMqtt.Modem.Tests.Control;

/// <summary>
/// slow-host-link: the program's host line (<see cref="HostLine"/>, as every channel uses it) runs at
/// the fault's rate while it lasts, on an unpaced line and on a <c>--baud</c> one, and at its own rate
/// again afterwards. Lower bounds only on time (never faster than the fault's rate); the bytes are exact.
/// </summary>
public sealed class SlowHostLinkTests : IAsyncLifetime
{
    private readonly Pipe _toModem = new();
    private readonly Pipe _toHost = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<int> _rates = [];
    private InProcessBroker? _broker;
    private global::AtMqtt.Core.Modem? _modem;
    private AtHost? _host;
    private Task _serve = Task.CompletedTask;

    public async Task InitializeAsync() => _broker = await InProcessBroker.StartAsync();

    public async Task DisposeAsync()
    {
        _stop.Cancel();
        _toModem.Writer.Complete();
        try
        {
            await _serve;
        }
        catch (OperationCanceledException)
        {
        }

        if (_modem is not null)
        {
            await _modem.DisposeAsync();
        }

        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        if (_broker is not null)
        {
            await _broker.DisposeAsync();
        }

        _stop.Dispose();
    }

    [Theory]
    [InlineData(null)]
    [InlineData(115200)]
    public async Task The_line_runs_at_the_faults_rate_while_it_lasts(int? lineBaud)
    {
        var modem = await StartAsync(lineBaud);
        await using var probe = await _broker!.ProbeAsync();
        var topic = Unique.Topic("slow");
        await probe.SubscribeAsync(topic, 1);
        await CommandAsync("ATE0", "ATE0\r\n\r\nOK\r\n");
        await CommandAsync($"AT+MQTTUSERCFG=0,1,\"{Unique.Id("slow")}\",\"\",\"\",0,0,\"\"", "\r\nOK\r\n");
        await CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{_broker.Port},0", $"+MQTTCONNECTED:0,1,\"127.0.0.1\",{_broker.Port},0\r\n\r\nOK\r\n");

        var fault = modem.Faults.Start(new FaultSpec { Kind = "slow-host-link", Baud = 1200 });
        Assert.Equal([1200], _rates);

        // The line and its OK at 1200 baud (10 bits a byte): about 0.6 s at least.
        var line = $"AT+MQTTPUB=0,\"{topic}\",\"slow\",1,0";
        var watch = Stopwatch.StartNew();
        await CommandAsync(line, "\r\nOK\r\n");
        var elapsed = watch.Elapsed;
        Assert.True(elapsed >= PacedPipe.TimeFor(line.Length + 2 + 6, 1200) * 0.95, $"took {elapsed}");
        Assert.Equal(topic, (await probe.NextAsync()).Topic);

        Assert.True(modem.Faults.End(fault.Id));
        Assert.Equal([1200, lineBaud ?? 0], _rates);

        // Healthy, at the line's own rate.
        await CommandAsync("AT", "\r\nOK\r\n");
        await CommandAsync($"AT+MQTTPUB=0,\"{topic}\",\"after\",1,0", "\r\nOK\r\n");
        Assert.Equal("after", (await probe.NextAsync()).PayloadText);
    }

    [Fact]
    public async Task A_timed_slow_link_ends_by_itself()
    {
        var modem = await StartAsync(null);
        modem.Faults.Start(new FaultSpec { Kind = "slow-host-link", Baud = 9600, Seconds = 0.5 });
        await Poll.UntilAsync(() => !modem.Faults.Any, "the fault to end");
        Assert.Equal([9600, 0], _rates);
        await CommandAsync("AT", "AT\r\n\r\nOK\r\n");
    }

    private async Task<global::AtMqtt.Core.Modem> StartAsync(int? baud)
    {
        var modem = _modem = new global::AtMqtt.Core.Modem(new ModemOptions());
        var line = new HostLine(modem, baud, null, NullLogger.Instance);
        line.LineBaudChanged += rate =>
        {
            lock (_rates)
            {
                _rates.Add(rate);
            }
        };
        _serve = line.ServeAsync(new Duplex(_toModem.Reader, _toHost.Writer), "test", _stop.Token);
        _host = new AtHost(_toHost.Reader.AsStream(), _toModem.Writer.AsStream());
        await _host.ExpectBytesAsync("ready\r\n");
        return modem;
    }

    /// <summary>Sends the line and expects exactly <paramref name="response"/> (the echo too, while echo is on).</summary>
    private async Task CommandAsync(string line, string response)
    {
        await _host!.SendAsync(line + "\r\n");
        await _host.ExpectBytesAsync(response);
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input => input;

        public PipeWriter Output => output;
    }
}
