using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AtMqtt.Testing;

/// <summary>TCP sockets as the kernel sees them, read from /proc (Linux), as <c>ss -tnp</c> shows them.</summary>
public static class TcpSockets
{
    private const string ListenState = "0A";
    private const string EstablishedState = "01";

    /// <summary>Local end points of the LISTEN sockets whose descriptors <paramref name="pid"/> holds.</summary>
    public static List<IPEndPoint> ListeningOf(int pid)
    {
        var inodes = new HashSet<string>(StringComparer.Ordinal);
        foreach (string fd in Directory.EnumerateFileSystemEntries($"/proc/{pid}/fd"))
        {
            string? target;
            try
            {
                target = new FileInfo(fd).LinkTarget;
            }
            catch (IOException)
            {
                // Closed while we looked.
                continue;
            }

            if (target is not null && target.StartsWith("socket:[", StringComparison.Ordinal))
            {
                inodes.Add(target["socket:[".Length..^1]);
            }
        }

        var listening = new List<IPEndPoint>();
        foreach (string table in (string[])[$"/proc/{pid}/net/tcp", $"/proc/{pid}/net/tcp6"])
        {
            if (!File.Exists(table))
            {
                continue;
            }

            // "sl local_address rem_address st tx_queue:rx_queue tr:tm->when retrnsmt uid timeout inode ..."
            foreach (string line in File.ReadLines(table).Skip(1))
            {
                string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 9 && f[3] == ListenState && inodes.Contains(f[9]))
                {
                    listening.Add(ParseEndPoint(f[1]));
                }
            }
        }

        return listening;
    }

    /// <summary>
    /// Bytes received but not yet read by its owner on the established loopback connection whose local port is
    /// <paramref name="localPort"/> (the server's end, on a listening port): 0 once the program has read all the
    /// test sent it. On loopback a send lands in this queue before it returns.
    /// </summary>
    public static int ReceiveQueue(int localPort) => Queues(localPort).Receive;

    /// <summary>
    /// Bytes written but not yet taken by the peer on the established loopback connection whose local port is
    /// <paramref name="localPort"/>: more than 0 once the peer stopped reading and its buffers are full.
    /// </summary>
    public static int SendQueue(int localPort) => Queues(localPort).Send;

    private static (int Send, int Receive) Queues(int localPort)
    {
        foreach (string table in (string[])["/proc/net/tcp", "/proc/net/tcp6"])
        {
            if (!File.Exists(table))
            {
                continue;
            }

            foreach (string line in File.ReadLines(table).Skip(1))
            {
                string[] f = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (f.Length > 4 && f[3] == EstablishedState && ParseEndPoint(f[1]).Port == localPort)
                {
                    // "tx_queue:rx_queue", in hex.
                    string[] queues = f[4].Split(':');
                    return (int.Parse(queues[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture), int.Parse(queues[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                }
            }
        }

        throw new InvalidOperationException($"No established TCP connection on local port {localPort}");
    }

    /// <summary>True if this machine can bind [::1] (IPv6 on, loopback configured).</summary>
    public static bool Ipv6LoopbackAvailable()
    {
        if (!Socket.OSSupportsIPv6)
        {
            return false;
        }

        try
        {
            using var probe = new Socket(AddressFamily.InterNetworkV6, SocketType.Stream, ProtocolType.Tcp);
            probe.Bind(new IPEndPoint(IPAddress.IPv6Loopback, 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>
    /// "0100007F:0050" or 32 hex digits and a port: the kernel prints each 32-bit word of the
    /// address as a native integer, so the words are turned back into their bytes in native order.
    /// </summary>
    private static IPEndPoint ParseEndPoint(string text)
    {
        int colon = text.IndexOf(':', StringComparison.Ordinal);
        string hex = text[..colon];
        var bytes = new byte[hex.Length / 2];
        for (int word = 0; word < hex.Length / 8; word++)
        {
            uint value = uint.Parse(hex.AsSpan(word * 8, 8), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            BitConverter.TryWriteBytes(bytes.AsSpan(word * 4, 4), value);
        }

        int port = int.Parse(text.AsSpan(colon + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return new IPEndPoint(new IPAddress(bytes), port);
    }
}
