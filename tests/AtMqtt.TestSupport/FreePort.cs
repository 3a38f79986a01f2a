using System.Net;
using System.Net.Sockets;

namespace AtMqtt.TestSupport;

/// <summary>Hands out TCP ports that are currently free on the loopback interface.</summary>
public static class FreePort
{
    /// <summary>Loopback address used by every fixture; tests never listen on other interfaces.</summary>
    public const string Host = "127.0.0.1";

    /// <summary>Returns a port that was free a moment ago (bind to port 0, read it, release it).</summary>
    public static int Get()
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>True if something accepts a TCP connection on 127.0.0.1:<paramref name="port"/>.</summary>
    public static async Task<bool> IsAcceptingAsync(int port, TimeSpan timeout)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await client.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cts.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }
}
