using System.Buffers.Binary;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AtMqtt.Testing;

/// <summary>What a TLS client offered in its ClientHello.</summary>
/// <param name="ServerName">The SNI host name, or null when the extension was absent.</param>
/// <param name="Alpn">The ALPN protocols in the order offered, or null when the extension was absent.</param>
public sealed record ClientHello(string? ServerName, IReadOnlyList<string>? Alpn);

/// <summary>
/// A transparent TCP relay on 127.0.0.1 in front of a real TLS server: it reads the client's first
/// TLS record, records the SNI and ALPN extensions of the ClientHello, and forwards every byte both
/// ways unchanged, so the handshake is the real server's. This is how the tests see what the modem
/// offers: neither mosquitto nor Kestrel logs a client's ALPN list.
/// </summary>
public sealed class RecordingProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly int _upstreamPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentQueue<ClientHello> _hellos = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly Task _accept;

    /// <summary>Listens on a free loopback port and relays to 127.0.0.1:<paramref name="upstreamPort"/>.</summary>
    public RecordingProxy(int upstreamPort)
    {
        _upstreamPort = upstreamPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accept = Task.Run(AcceptLoopAsync);
    }

    /// <summary>The <see cref="ClientHello.ServerName"/> recorded when the first record was not a ClientHello.</summary>
    public const string NotAClientHello = "(not a ClientHello)";

    /// <summary>The loopback port the client is told to connect to.</summary>
    public int Port { get; }

    /// <summary>The next ClientHello seen (in connection order).</summary>
    public async Task<ClientHello> NextHelloAsync(TimeSpan timeout)
    {
        if (!await _arrived.WaitAsync(timeout))
        {
            throw new TimeoutException("No TLS ClientHello reached the proxy.");
        }

        return _hellos.TryDequeue(out var hello) ? hello : throw new InvalidOperationException("hello queue out of step");
    }

    /// <summary>Parses the ClientHello in one TLS handshake record (header included); null if it is not one.</summary>
    public static ClientHello? Parse(ReadOnlySpan<byte> record)
    {
        try
        {
            if (record.Length < 9 || record[0] != 0x16 || record[5] != 0x01)
            {
                return null;
            }

            var body = record[9..];
            int at = 2 + 32; // client_version, random
            at += 1 + body[at]; // session_id
            at += 2 + BinaryPrimitives.ReadUInt16BigEndian(body[at..]); // cipher_suites
            at += 1 + body[at]; // compression_methods
            if (at + 2 > body.Length)
            {
                return new ClientHello(null, null);
            }

            int end = at + 2 + BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
            at += 2;
            string? sni = null;
            List<string>? alpn = null;
            while (at + 4 <= end)
            {
                int type = BinaryPrimitives.ReadUInt16BigEndian(body[at..]);
                int length = BinaryPrimitives.ReadUInt16BigEndian(body[(at + 2)..]);
                var data = body.Slice(at + 4, length);
                if (type == 0x0000 && data.Length > 5 && data[2] == 0)
                {
                    // server_name_list: (type 0 = host_name, length, name)
                    int nameLength = BinaryPrimitives.ReadUInt16BigEndian(data[3..]);
                    sni = Encoding.ASCII.GetString(data.Slice(5, nameLength));
                }
                else if (type == 0x0010)
                {
                    // protocol_name_list: (length byte, name)...
                    alpn = [];
                    int listEnd = 2 + BinaryPrimitives.ReadUInt16BigEndian(data);
                    for (int p = 2; p < listEnd;)
                    {
                        int n = data[p];
                        alpn.Add(Encoding.ASCII.GetString(data.Slice(p + 1, n)));
                        p += 1 + n;
                    }
                }

                at += 4 + length;
            }

            return new ClientHello(sni, alpn);
        }
        catch (ArgumentOutOfRangeException)
        {
            return null;
        }
        catch (IndexOutOfRangeException)
        {
            return null;
        }
    }

    /// <summary>Stops listening; relayed connections end with it.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accept;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
        _arrived.Dispose();
    }

    private Task AcceptLoopAsync() => AcceptLoop.RunAsync(_listener, client => _ = Task.Run(() => RelayAsync(client)), _stop.Token);

    private async Task RelayAsync(Socket client)
    {
        using var clientSocket = client;
        using var upstream = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            var token = _stop.Token;
            await upstream.ConnectAsync(new IPEndPoint(IPAddress.Loopback, _upstreamPort), token);

            // The first record: 5-byte header, then its length.
            var first = new byte[5 + ushort.MaxValue];
            int have = 0;
            int need = 5;
            while (have < need)
            {
                int n = await client.ReceiveAsync(first.AsMemory(have, need - have), token);
                if (n == 0)
                {
                    return;
                }

                have += n;
                if (have == 5)
                {
                    need = 5 + BinaryPrimitives.ReadUInt16BigEndian(first.AsSpan(3));
                }
            }

            _hellos.Enqueue(Parse(first.AsSpan(0, have)) ?? new ClientHello(NotAClientHello, null));
            _arrived.Release();
            await upstream.SendAsync(first.AsMemory(0, have), token);

            await Task.WhenAll(PumpAsync(client, upstream, token), PumpAsync(upstream, client, token));
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }
    }

    private static async Task PumpAsync(Socket from, Socket to, CancellationToken token)
    {
        var buffer = new byte[16384];
        try
        {
            while (true)
            {
                int n = await from.ReceiveAsync(buffer, token);
                if (n == 0)
                {
                    to.Shutdown(SocketShutdown.Send);
                    return;
                }

                await to.SendAsync(buffer.AsMemory(0, n), token);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // A reset on one side ends the other too, as it would without the relay.
            Close(from);
            Close(to);
        }
    }

    private static void Close(Socket socket)
    {
        try
        {
            socket.Shutdown(SocketShutdown.Both);
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }
    }
}
