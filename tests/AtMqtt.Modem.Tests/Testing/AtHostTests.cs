using System.Diagnostics;
using Xunit;

namespace AtMqtt.Modem.Tests.Testing;

public class AtHostTests
{
    private static readonly TimeSpan Short = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task CommandAsync_ReturnsEchoAndFinalResult()
    {
        await using var server = new FakeModemServer(scripted: true);
        await using var host = await AtHost.ConnectAsync(server.Port);

        Assert.Equal("AT\r\n\r\nOK\r\n", await host.CommandAsync("AT", Short));
        Assert.Equal("AT+NOPE\r\n\r\nERROR\r\n", await host.CommandAsync("AT+NOPE", Short));
        Assert.Equal("BUSY\r\nbusy p...\r\n", await host.CommandAsync("BUSY", Short));
        Assert.Equal("URC\r\n\r\n+URC: 1\r\n\r\nOK\r\n", await host.CommandAsync("URC", Short));
        Assert.Equal("", host.Pending);
    }

    [Fact]
    public async Task ReadExactlyAsync_RoundTripsAllByteValues()
    {
        await using var server = new FakeModemServer(scripted: false);
        await using var host = await AtHost.ConnectAsync(server.Port);

        var data = Enumerable.Range(0, 256).Select(i => (byte)i).ToArray();
        await host.SendBytesAsync(data);
        await host.SendBytesAsync(data);

        Assert.Equal(data, await host.ReadExactlyAsync(256, Short));
        Assert.Equal(data, await host.ReadExactlyAsync(256, Short));
    }

    [Fact]
    public async Task ReadUntilAsync_ConsumesThroughMarkerAndLatin1RoundTrips()
    {
        await using var server = new FakeModemServer(scripted: false);
        await using var host = await AtHost.ConnectAsync(server.Port);

        await host.SendBytesAsync(new byte[] { 0xFF, 0x00, (byte)'>', (byte)'x', (byte)'y' });

        Assert.Equal("\u00FF\u0000>", await host.ReadUntilAsync(">", Short));
        Assert.Equal("xy", await host.ReadUntilAsync("y", Short));
    }

    [Fact]
    public async Task ReadUntilAsync_TimeoutReportsDataReceivedSoFar()
    {
        await using var server = new FakeModemServer(scripted: false);
        await using var host = await AtHost.ConnectAsync(server.Port);

        await host.SendAsync("partial\r\n");

        // The echo must be buffered before the short read starts: on a loaded machine it can take longer than 300 ms.
        Assert.True(await host.WaitForDataAsync("partial\r\n".Length - 1, Short));
        var sw = Stopwatch.StartNew();
        var ex = await Assert.ThrowsAsync<TimeoutException>(() => host.ReadUntilAsync("never", TimeSpan.FromMilliseconds(300)));

        Assert.Contains("partial\\r\\n", ex.Message);

        // A lower bound only: a timeout never fires early, but a loaded machine may fire it late.
        Assert.True(sw.Elapsed >= TimeSpan.FromMilliseconds(250), $"timed out after {sw.Elapsed}");
        // Nothing was consumed by the failed read.
        Assert.Equal("partial\r\n", await host.ReadUntilAsync("\r\n", Short));
    }

    [Fact]
    public async Task DrainAsync_ReturnsEverythingOnceQuiet()
    {
        await using var server = new FakeModemServer(scripted: false);
        await using var host = await AtHost.ConnectAsync(server.Port);

        await host.SendAsync("one ");
        await host.SendAsync("two");

        // Both echoes buffered first, so that the quiet period is not a scheduling gap between them.
        Assert.True(await host.WaitForDataAsync("one two".Length - 1, Short));
        Assert.Equal("one two", await host.DrainAsync(TimeSpan.FromMilliseconds(200)));
        Assert.Equal("", await host.DrainAsync(TimeSpan.FromMilliseconds(50)));
    }

    [Fact]
    public async Task RemoteClose_IsObserved()
    {
        await using var server = new FakeModemServer(scripted: true);
        await using var host = await AtHost.ConnectAsync(server.Port);

        Assert.False(host.IsClosed);
        await host.SendAsync("CLOSE\r\n");
        await host.WaitClosedAsync(Short);

        Assert.True(host.IsClosed);
        Assert.Equal("CLOSE\r\n", await host.ReadUntilAsync("\r\n", Short));
        var ex = await Assert.ThrowsAsync<EndOfStreamException>(() => host.ReadUntilAsync("OK", Short));
        Assert.Contains("closed", ex.Message);
    }

    [Fact]
    public async Task WaitClosedAsync_TimesOutWhileOpen()
    {
        await using var server = new FakeModemServer(scripted: false);
        await using var host = await AtHost.ConnectAsync(server.Port);

        await Assert.ThrowsAsync<TimeoutException>(() => host.WaitClosedAsync(TimeSpan.FromMilliseconds(100)));
    }

    [Fact]
    public async Task ConnectAsync_RetriesUntilListenerAppears()
    {
        var port = FreePort.Get();
        var refused = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var connect = AtHost.ConnectAsync(port, Short, () => refused.TrySetResult());
        await refused.Task.WaitAsync(Short);
        await using var server = new FakeModemServer(scripted: true, port);
        await using var host = await connect;

        Assert.Equal("AT\r\n\r\nOK\r\n", await host.CommandAsync("AT", Short));
    }

    [Fact]
    public async Task ConnectAsync_TimesOutWithoutListener()
    {
        var port = FreePort.Get();
        await Assert.ThrowsAsync<TimeoutException>(() => AtHost.ConnectAsync(port, TimeSpan.FromMilliseconds(300)));
    }

    [Fact]
    public async Task WorksOverSeparateReadAndWriteStreams()
    {
        // Two pipes model a child process's stdout/stdin.
        var toHost = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.Out);
        var hostIn = new System.IO.Pipes.AnonymousPipeClientStream(System.IO.Pipes.PipeDirection.In, toHost.ClientSafePipeHandle);
        var fromHost = new System.IO.Pipes.AnonymousPipeServerStream(System.IO.Pipes.PipeDirection.In);
        var hostOut = new System.IO.Pipes.AnonymousPipeClientStream(System.IO.Pipes.PipeDirection.Out, fromHost.ClientSafePipeHandle);
        await using var host = new AtHost(hostIn, hostOut);

        await host.SendAsync("AT\r\n");
        var buf = new byte[4];
        await fromHost.ReadExactlyAsync(buf);
        Assert.Equal("AT\r\n", System.Text.Encoding.Latin1.GetString(buf));

        await toHost.WriteAsync("\r\nOK\r\n"u8.ToArray());
        Assert.Equal("\r\nOK\r\n", await host.ReadUntilAsync("OK\r\n", Short));

        toHost.Dispose();
        await host.WaitClosedAsync(Short);
        fromHost.Dispose();
    }
}
