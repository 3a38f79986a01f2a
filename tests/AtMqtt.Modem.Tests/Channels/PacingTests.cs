using System.Diagnostics;
using System.IO.Pipelines;
using System.Text;
using AtMqtt.Cli.Channels;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.Modem.Tests.Channels;

/// <summary>
/// --baud: bytes move no faster than a UART's 10 bits a byte, both ways, and AT+UART_CUR/AT+UART_DEF
/// change the rate after their OK. Only loose timing bounds here (never faster than the figure, not
/// wildly slower): the precise figures are the benchmark's (<c>bench pacing</c>), on a quiet machine.
/// </summary>
public sealed class PacingTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(115200, 4000)]
    [InlineData(921600, 20000)]
    public async Task HostToModem_IsNeverFasterThanTheUart(int baud, int bytes)
    {
        var (host, paced) = Wire(baud);
        await using var _ = paced;
        var watch = Stopwatch.StartNew();
        await host.Output.WriteAsync(new byte[bytes]);
        long received = 0;
        while (received < bytes)
        {
            var result = await paced.Input.ReadAsync();
            received += result.Buffer.Length;
            paced.Input.AdvanceTo(result.Buffer.End);
            Assert.True(watch.Elapsed >= PacedPipe.TimeFor(received, baud) * 0.95, $"{received} bytes after {watch.Elapsed}");
        }

        // A lower bound only: how much slower than the UART a loaded machine is belongs to the benchmark.
        Report(bytes, baud, watch.Elapsed);
        Assert.True(watch.Elapsed >= PacedPipe.TimeFor(bytes, baud) * 0.95, $"{bytes} bytes in {watch.Elapsed}");
    }

    [Fact]
    public async Task ModemToHost_AFlushEndsWhenItsLastByteHasGone()
    {
        var (host, paced) = Wire(9600);
        await using var _ = paced;
        var watch = Stopwatch.StartNew();
        await paced.Output.WriteAsync(new byte[96]); // 100 ms at 9600
        Report(96, 9600, watch.Elapsed);
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(99), $"96 bytes in {watch.Elapsed}");
        var read = await host.Input.ReadAsync();
        Assert.Equal(96, read.Buffer.Length);
    }

    [Fact]
    public async Task ARateChangeAfterTheNextWrite_LetsThatWriteGoAtTheOldRate()
    {
        var (_, paced) = Wire(1200);
        await using var __ = paced;
        var changes = new List<int>();
        paced.BaudChanged += changes.Add;
        paced.SetBaud(115200, afterNextWrite: true);
        Assert.Equal(1200, paced.Baud);

        var watch = Stopwatch.StartNew();
        await paced.Output.WriteAsync("\r\nOK\r\n"u8.ToArray()); // 50 ms at 1200, 0.5 ms at 115200
        Assert.True(watch.Elapsed >= TimeSpan.FromMilliseconds(49), $"OK took {watch.Elapsed}");
        Assert.Equal(115200, paced.Baud);
        Assert.Equal([115200], changes);

        watch.Restart();
        // 100 ms at 115200, 9.6 s at 1200: the bound tells the two rates apart with seconds to spare.
        await paced.Output.WriteAsync(new byte[1152]);
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(5), $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task CancelPendingFlush_EndsASlowWrite()
    {
        var (host, paced) = Wire(300);
        await using var _ = paced;
        var write = paced.Output.WriteAsync(new byte[3000]).AsTask(); // 100 s at 300 baud

        // The write is under way once its first byte has reached the host.
        var first = await host.Input.ReadAsync().AsTask().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(first.Buffer.IsEmpty);
        paced.Output.CancelPendingFlush();
        var result = await write.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.True(result.IsCanceled);
    }

    [Fact]
    public async Task ThePacedProgram_IsNeverFasterThanTheUart()
    {
        // A physical bound, true at any load: the bytes of the exchange cannot cross a 9600 baud line in
        // less than bytes * 10 / 9600 s (the first byte of each direction passes at once). No comparison
        // with an unpaced run: which of two wall-clock times is shorter depends on the machine's load.
        var paced = await TimeGmrAsync(["--baud", "9600"]);
        output.WriteLine($"AT+GMR at 9600 baud: {paced.Time.TotalMilliseconds:0.0} ms for {paced.Bytes} bytes");
        Assert.True(paced.Time >= PacedPipe.TimeFor(paced.Bytes - 2, 9600), $"{paced.Bytes} bytes in {paced.Time}");
    }

    [Fact]
    public async Task UartCur_AnswersAtTheOldRate_ThenTheLineRunsAtTheNewOne_UntilARestart()
    {
        int port = FreePort.Get();
        await using var modem = await ModemProcess.StartAndWaitForAsync("Listening for a host", "--tcp", $"127.0.0.1:{port}", "--baud", "1200");
        await using var host = await AtHost.ConnectAsync(port, LiveModem.Timeout);
        await host.ReadUntilAsync("ready\r\n", LiveModem.Timeout);
        await host.ExpectAsync("AT+UART_CUR?", "+UART_CUR:1200,8,1,0,0\r\n\r\nOK\r\n", terminator: "\r");

        // 27 bytes in and 27 + 6 out at 1200 baud: if the OK went at the new rate it would take 50 ms less.
        const string command = "AT+UART_CUR=115200,8,1,0,0";
        var watch = Stopwatch.StartNew();
        await host.OkAsync(command, terminator: "\r");
        var took = watch.Elapsed;
        output.WriteLine($"{command}: {took.TotalMilliseconds:0.0} ms");
        // The first byte of each direction passes at once, so allow a few byte times of slack.
        Assert.True(took >= PacedPipe.TimeFor(27 + 27 + 6, 1200) * 0.95, $"took {took}");

        // Four AT+GMR take seconds at 1200 baud and milliseconds at 115200: half the 1200 baud time tells
        // the rates apart with a wide margin for a loaded machine.
        watch.Restart();
        int gmrBytes = 0;
        for (int i = 0; i < 4; i++)
        {
            gmrBytes += (await host.CommandAsync("AT+GMR", terminator: "\r")).Length;
        }

        output.WriteLine($"4 x AT+GMR at 115200: {gmrBytes} bytes in {watch.Elapsed.TotalMilliseconds:0.0} ms");
        Assert.True(watch.Elapsed < PacedPipe.TimeFor(gmrBytes, 1200) / 2, $"4 x AT+GMR took {watch.Elapsed}");
        await host.ExpectAsync("AT+UART_CUR?", "+UART_CUR:115200,8,1,0,0\r\n\r\nOK\r\n", terminator: "\r");

        // AT+RST loads the saved setting (AT+UART_DEF, which --baud made 1200) and says ready at it.
        await host.SendAsync("AT+RST\r");
        await host.ReadUntilAsync("ready\r\n", LiveModem.Timeout);
        watch.Restart();
        await host.ExpectAsync("AT+UART_CUR?", "+UART_CUR:1200,8,1,0,0\r\n\r\nOK\r\n", terminator: "\r");
        Assert.True(watch.Elapsed >= PacedPipe.TimeFor(13 + 13 + 25 + 6, 1200) * 0.95, $"took {watch.Elapsed}");
    }

    [Fact]
    public async Task UartDef_IsKeptAcrossARestart_AndRestoreGoesBackToTheBaudOption()
    {
        int port = FreePort.Get();
        await using var modem = await ModemProcess.StartAndWaitForAsync("Listening for a host", "--tcp", $"127.0.0.1:{port}", "--baud", "2400");
        await using var host = await AtHost.ConnectAsync(port, LiveModem.Timeout);
        await host.ReadUntilAsync("ready\r\n", LiveModem.Timeout);
        await host.OkAsync("AT+UART_DEF=57600,8,1,0,0", terminator: "\r");
        await host.SendAsync("AT+RST\r");
        await host.ReadUntilAsync("ready\r\n", LiveModem.Timeout);
        await host.ExpectAsync("AT+UART_CUR?", "+UART_CUR:57600,8,1,0,0\r\n\r\nOK\r\n", terminator: "\r");

        await host.SendAsync("AT+RESTORE\r");
        await host.ReadUntilAsync("ready\r\n", LiveModem.Timeout);
        await host.ExpectAsync("AT+UART_DEF?", "+UART_DEF:2400,8,1,0,0\r\n\r\nOK\r\n", terminator: "\r");
    }

    /// <summary>
    /// At UART speed every line reaches the modem a byte or so per read, so the CR and the LF of
    /// "AT\r\n" come apart: while a command blocks, the host must still read the echo and busy of the
    /// one-read case, each line starting on a line of its own (no timing is asserted).
    /// </summary>
    [Fact]
    public async Task APacedHost_DuringABlockingCommand_GetsTheEchoAndBusyOfOneRead()
    {
        using var silent = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        silent.Start();
        int port = ((System.Net.IPEndPoint)silent.LocalEndpoint).Port;
        var accepted = silent.AcceptSocketAsync();

        await using var modem = new AtMqtt.Core.Modem(new AtMqtt.Core.ModemOptions());
        var line = new HostLine(modem, 1200, null, Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        var toModem = new Pipe();
        var toHost = new Pipe();
        using var stop = new CancellationTokenSource();
        var serve = line.ServeAsync(new DuplexPipe(toModem.Reader, toHost.Writer), "paced", stop.Token);
        await using (var host = new AtHost(toHost.Reader.AsStream(), toModem.Writer.AsStream()))
        {
            await host.ExpectBytesAsync("ready\r\n");
            await host.OkAsync("AT+MQTTUSERCFG=0,1,\"paced\",\"\",\"\",0,0,\"\"", terminator: "\r");

            // A CONN that waits for a CONNACK that never comes, then two lines meanwhile.
            string conn = $"AT+MQTTCONN=0,\"127.0.0.1\",{port},0,60000";
            await host.SendAsync(conn + "\r\n");
            using var socket = await accepted.WaitAsync(LiveModem.Timeout);
            string expected = conn + "\r\n";
            for (int i = 0; i < 4; i++)
            {
                await host.SendAsync("AT\r\n");
                expected += "AT\r\nbusy p...\r\n";
                Assert.Equal(AtHost.Escape(expected), AtHost.Escape(await host.ReadUntilAsync("busy p...\r\n", LiveModem.Timeout)));
                expected = "";
            }

            await stop.CancelAsync();
            await serve.WaitAsync(LiveModem.Timeout);
        }
    }

    private static (IDuplexPipe Host, PacedPipe Paced) Wire(int baud)
    {
        var toModem = new Pipe();
        var toHost = new Pipe();
        var paced = new PacedPipe(new DuplexPipe(toModem.Reader, toHost.Writer), baud);
        return (new DuplexPipe(toHost.Reader, toModem.Writer), paced);
    }

    private static async Task<(TimeSpan Time, int Bytes)> TimeGmrAsync(string[] extra)
    {
        int port = FreePort.Get();
        await using var modem = await ModemProcess.StartAndWaitForAsync("Listening for a host", ["--tcp", $"127.0.0.1:{port}", .. extra]);
        await using var host = await AtHost.ConnectAsync(port, LiveModem.Timeout);
        await host.ReadUntilAsync("ready\r\n", LiveModem.Timeout);
        await host.CommandAsync("AT+GMR", terminator: "\r"); // warm
        var watch = Stopwatch.StartNew();
        string response = await host.CommandAsync("AT+GMR", terminator: "\r");
        return (watch.Elapsed, Encoding.Latin1.GetByteCount(response) + "AT+GMR\r".Length);
    }

    private void Report(int bytes, int baud, TimeSpan took)
    {
        double figure = PacedPipe.TimeFor(bytes, baud).TotalSeconds;
        output.WriteLine($"{bytes} bytes at {baud}: {took.TotalSeconds:0.0000} s, figure {figure:0.0000} s ({(took.TotalSeconds - figure) / figure:+0.00%;-0.00%})");
    }
}
