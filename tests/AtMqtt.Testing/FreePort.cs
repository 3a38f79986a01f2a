using System.Net;
using System.Net.Sockets;

namespace AtMqtt.Testing;

/// <summary>Hands out TCP ports that are currently free on the loopback interface.</summary>
public static class FreePort
{
    /// <summary>Loopback address used by every fixture; tests never listen on other interfaces.</summary>
    public const string Host = "127.0.0.1";

    // Test assemblies run in parallel processes. Ports handed out by the OS (bind to 0) can come
    // back to another process a moment later, so each process walks its own block below the
    // ephemeral range instead, and never hands out the same port twice. Two processes can still get
    // the same block (several test runs at once on one machine): each starts at a random place in it,
    // so that they do not walk it in step and collide on every retry.
    private const int BlockSize = 440;
    private static readonly int BlockStart = 10_000 + (Environment.ProcessId % 50 * BlockSize);
    private static int _next = Random.Shared.Next(BlockSize);

    /// <summary>Returns a port that is free now and was not handed out before in this process.</summary>
    public static int Get()
    {
        for (int attempt = 0; attempt < BlockSize; attempt++)
        {
            int port = BlockStart + (Interlocked.Increment(ref _next) % BlockSize);
            if (IsFree(port))
            {
                return port;
            }
        }

        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    private static bool IsFree(int port)
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
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
