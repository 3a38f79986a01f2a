using System.Net.Sockets;

namespace AtMqtt.Testing;

/// <summary>The accept loop of a loopback server (scripted brokers, proxies): one place for when it ends.</summary>
public static class AcceptLoop
{
    /// <summary>
    /// Accepts connections on <paramref name="listener"/> and hands each to <paramref name="onAccepted"/>
    /// (on the loop's own task) until the listener is stopped or <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    public static Task RunAsync(TcpListener listener, Action<Socket> onAccepted, CancellationToken cancellationToken) =>
        RunAsync(listener.AcceptSocketAsync, onAccepted, cancellationToken);

    /// <inheritdoc cref="RunAsync(TcpListener, Action{Socket}, CancellationToken)"/>
    public static Task RunAsync(Socket listener, Action<Socket> onAccepted, CancellationToken cancellationToken) =>
        RunAsync(listener.AcceptAsync, onAccepted, cancellationToken);

    private static async Task RunAsync(Func<CancellationToken, ValueTask<Socket>> accept, Action<Socket> onAccepted, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            Socket socket;
            try
            {
                socket = await accept(cancellationToken);
            }
            catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException)
            {
                return;
            }

            onAccepted(socket);
        }
    }
}
