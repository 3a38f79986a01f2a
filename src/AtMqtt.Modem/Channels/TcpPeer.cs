using System.Net.Sockets;

namespace AtMqtt.Cli.Channels;

/// <summary>What this end knows of a TCP connection's other end, asked without reading from it.</summary>
internal enum PeerState
{
    /// <summary>The connection is open both ways.</summary>
    Connected,

    /// <summary>The peer closed (FIN) or reset (RST) its end, or the socket is closed here.</summary>
    Gone,

    /// <summary>Readable: a FIN, a RST or just data; only where the state cannot be read.</summary>
    Unsure,
}

internal static class TcpPeer
{
    private const int IpProtoTcp = 6;
    private const int TcpInfo = 11;
    private const byte TcpEstablished = 1;

    /// <summary>
    /// Probes <paramref name="socket"/> while another task may be reading it. On Linux the kernel's
    /// connection state (TCP_INFO) is exact even with unread data queued; elsewhere a readable socket
    /// is all we can tell (a read would take bytes from the session that owns it).
    /// </summary>
    public static PeerState Probe(Socket socket)
    {
        try
        {
            if (OperatingSystem.IsLinux() && TryState(socket, out byte state))
            {
                return state == TcpEstablished ? PeerState.Connected : PeerState.Gone;
            }

            return socket.Poll(0, SelectMode.SelectRead) ? PeerState.Unsure : PeerState.Connected;
        }
        catch (ObjectDisposedException)
        {
            return PeerState.Gone;
        }
        catch (SocketException)
        {
            return PeerState.Unsure;
        }
    }

    /// <summary>tcpi_state, the first byte of struct tcp_info.</summary>
    private static bool TryState(Socket socket, out byte state)
    {
        Span<byte> info = stackalloc byte[8];
        state = 0;
        try
        {
            if (socket.GetRawSocketOption(IpProtoTcp, TcpInfo, info) < 1)
            {
                return false;
            }
        }
        catch (SocketException)
        {
            // No TCP_INFO here (an emulation layer, say): fall back to polling.
            return false;
        }

        state = info[0];
        return true;
    }
}
