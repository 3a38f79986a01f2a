using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Sockets;
using AtMqtt.Cli.Channels;
using Xunit;

namespace AtMqtt.Modem.Tests.Channels;

/// <summary>
/// The TCP channel's direct path: the modem's reads complete on the thread that read the socket (no
/// thread-pool hop), writes go out at once, and a host that stops reading or leaves is handled as a
/// NetworkStream would handle it. (Linux, as the pty tests: the suite runs there.)
/// </summary>
public sealed class SocketHostPipeTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task ARead_ContinuesOnTheThreadThatReadTheSocket()
    {
        var (host, modemSide) = await ConnectedPairAsync();
        using var owned = host;
        await using var pipe = new SocketHostPipe(modemSide);

        var read = ReadOnThreadAsync(pipe.Input);
        host.Send("AT\r\n"u8);
        var (bytes, thread) = await read.WaitAsync(Limit);

        Assert.Equal("AT\r\n"u8.ToArray(), bytes);

        // Through a NetworkStream this is a thread-pool thread, woken after the socket engine's.
        Assert.Equal("tcp host", thread);
    }

    [Fact]
    public async Task BytesSentBeforeTheFirstRead_AreReadByIt_NotSeenBefore()
    {
        var (host, modemSide) = await ConnectedPairAsync();
        using var owned = host;
        await using var pipe = new SocketHostPipe(modemSide);
        host.Send("AT\r\n"u8);

        // As with a NetworkStream's reader: nothing is read until the modem asks (after its ready).
        Assert.False(pipe.Input.TryRead(out _));
        var result = await pipe.Input.ReadAsync().AsTask().WaitAsync(Limit);
        Assert.Equal("AT\r\n"u8.ToArray(), result.Buffer.ToArray());
    }

    [Fact]
    public async Task AWriteTheHostDoesNotReadYet_WaitsAndArrivesWhole_AndReadingGoesOn()
    {
        var (host, modemSide) = await ConnectedPairAsync();
        using var owned = host;
        await using var pipe = new SocketHostPipe(modemSide);

        // Far more than the socket buffers take: the rest waits for the host to read.
        var big = new byte[32 * 1024 * 1024];
        new Random(7).NextBytes(big);
        var flush = pipe.Output.WriteAsync(big).AsTask();
        var received = new byte[big.Length];
        int got = 0;
        host.ReceiveTimeout = (int)Limit.TotalMilliseconds;
        while (got < received.Length)
        {
            int n = host.Receive(received, got, received.Length - got, SocketFlags.None);
            Assert.True(n > 0, "the modem side closed");
            got += n;
        }

        await flush.WaitAsync(Limit);
        Assert.Equal(big, received);

        // The socket went non-blocking for that write; reads still arrive.
        var read = ReadOnThreadAsync(pipe.Input);
        host.Send("AT+GMR\r\n"u8);
        Assert.Equal("AT+GMR\r\n"u8.ToArray(), (await read.WaitAsync(Limit)).Bytes);
    }

    [Fact]
    public async Task AHostThatResets_EndsTheReadWithAnIOException()
    {
        var (host, modemSide) = await ConnectedPairAsync();
        await using var pipe = new SocketHostPipe(modemSide);
        var read = pipe.Input.ReadAsync().AsTask();

        host.LingerState = new LingerOption(true, 0); // close with RST
        host.Dispose();

        await Assert.ThrowsAsync<IOException>(() => read.WaitAsync(Limit));
    }

    [Fact]
    public async Task AHostThatCloses_CompletesTheInput()
    {
        var (host, modemSide) = await ConnectedPairAsync();
        await using var pipe = new SocketHostPipe(modemSide);
        host.Send("AT\r\n"u8);
        host.Shutdown(SocketShutdown.Send);

        var all = new List<byte>();
        while (true)
        {
            var result = await pipe.Input.ReadAsync().AsTask().WaitAsync(Limit);
            all.AddRange(result.Buffer.ToArray());
            pipe.Input.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted)
            {
                break;
            }
        }

        Assert.Equal("AT\r\n"u8.ToArray(), all.ToArray());
        host.Dispose();
    }

    [Fact]
    public async Task Dispose_EndsAReadBlockedInTheKernel()
    {
        var (host, modemSide) = await ConnectedPairAsync();
        using var owned = host;
        var pipe = new SocketHostPipe(modemSide);
        var read = pipe.Input.ReadAsync().AsTask();

        // The reader thread waits in recv(2) for a host that sends nothing; disposing must not hang on it.
        await pipe.DisposeAsync().AsTask().WaitAsync(Limit);

        // The modem's read ends too (completed, or failed: the reader was completed under it).
        await read.ContinueWith(_ => { }, TaskScheduler.Default).WaitAsync(Limit);

        // And the host sees the connection end.
        host.ReceiveTimeout = (int)Limit.TotalMilliseconds;
        Assert.Equal(0, host.Receive(new byte[16]));
    }

    /// <summary>Reads once; what was read and the name of the thread the read continued on.</summary>
    private static async Task<(byte[] Bytes, string? Thread)> ReadOnThreadAsync(PipeReader input)
    {
        var result = await input.ReadAsync();
        string? thread = Thread.CurrentThread.Name;
        var bytes = result.Buffer.ToArray();
        input.AdvanceTo(result.Buffer.End);
        return (bytes, thread);
    }

    private static async Task<(Socket Host, Socket ModemSide)> ConnectedPairAsync()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen(1);
        var host = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var accept = listener.AcceptAsync();
        host.Connect(listener.LocalEndPoint!);
        var modemSide = await accept.WaitAsync(Limit);
        modemSide.NoDelay = true;
        return (host, modemSide);
    }
}
