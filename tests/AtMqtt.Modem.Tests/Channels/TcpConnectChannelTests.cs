using System.Net;
using System.Net.Sockets;
using Xunit;

namespace AtMqtt.Modem.Tests.Channels;

/// <summary>
/// --tcp-connect HOST:PORT: the test is an emulator whose UART is a listening socket (Renode's
/// server socket terminal, QEMU's -serial tcp::PORT,server=on) that comes and goes.
/// </summary>
public sealed class TcpConnectChannelTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    [Fact]
    public async Task RetriesUntilTheListenerAnswers_AndReconnectsWhenItGoesAway()
    {
        int port = FreePort.Get();
        await using var modem = await ModemProcess.StartAndWaitForAsync("to answer", "--tcp-connect", $"127.0.0.1:{port}");

        var listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        var host = await AcceptAsync(listener);
        await host.ExpectBytesAsync("ready\r\n");
        await host.ConnectLinkAsync(Unique.Id("connect-cid"), mosquitto.Port);
        await host.CommandAsync("ATE0");

        // The emulator stops: its socket and its listener go away.
        await host.DisposeAsync();
        listener.Stop();
        await modem.WaitForStdErrAsync("went away; reconnecting", LiveModem.Timeout);

        // The socket is dual-mode: the log still says the address as it was given.
        Assert.Contains($"Connected to the host's UART at 127.0.0.1:{port}", modem.StdErr, StringComparison.Ordinal);
        Assert.Contains($"The host's UART at 127.0.0.1:{port} went away", modem.StdErr, StringComparison.Ordinal);
        Assert.DoesNotContain("::ffff:", modem.StdErr, StringComparison.Ordinal);

        // At least one attempt was refused before the emulator comes back: logged as the start's was.
        await modem.WaitForStdErrAsync("to answer", 2, LiveModem.Timeout);

        listener = new TcpListener(IPAddress.Loopback, port);
        listener.Start();
        try
        {
            await using var again = await AcceptAsync(listener);
            await again.ExpectBytesAsync("ready\r\n");
            string response = await again.CommandAsync("AT+MQTTCONN?");
            Assert.Equal(AtHost.Escape($"+MQTTCONN:0,connected,1,\"127.0.0.1\",{mosquitto.Port},0\r\n\r\nOK\r\n"), AtHost.Escape(response));
        }
        finally
        {
            listener.Stop();
        }
    }

    private static async Task<AtHost> AcceptAsync(TcpListener listener)
    {
        using var timeout = new CancellationTokenSource(LiveModem.Timeout);
        var socket = await listener.AcceptSocketAsync(timeout.Token);
        socket.NoDelay = true;
        return new AtHost(new NetworkStream(socket, ownsSocket: true));
    }
}
