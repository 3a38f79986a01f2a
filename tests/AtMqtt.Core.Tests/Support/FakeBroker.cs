using System.Net;
using System.Net.Sockets;

namespace AtMqtt.Core.Tests.Support;

/// <summary>What <see cref="FakeBroker"/> does with one kind of MQTT request.</summary>
internal enum Reply
{
    /// <summary>The normal acknowledgement (CONNACK accepted, SUBACK granted, PUBACK, UNSUBACK...).</summary>
    Answer,

    /// <summary>Reads it and says nothing: the client waits until its own timeout.</summary>
    Ignore,

    /// <summary>Closes the connection (no reply).</summary>
    Close,

    /// <summary>SUBACK with the failure code 0x80 (only for SUBSCRIBE).</summary>
    Refuse,
}

/// <summary>
/// A scripted MQTT 3.1.1 "broker" on a free loopback port, for the failures a real broker will not
/// produce on demand: a CONNACK that never comes, a SUBACK/PUBACK/UNSUBACK that never comes, a
/// refused subscription, a connection cut in the middle of a request.
/// </summary>
internal sealed class FakeBroker : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Socket> _sockets = [];
    private readonly Task _accept;

    public FakeBroker(Reply connect = Reply.Answer, Reply subscribe = Reply.Answer, Reply publish = Reply.Answer, Reply unsubscribe = Reply.Answer)
    {
        Connect = connect;
        Subscribe = subscribe;
        Publish = publish;
        Unsubscribe = unsubscribe;
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accept = Task.Run(AcceptLoopAsync);
    }

    public int Port { get; }

    public Reply Connect { get; }

    public Reply Subscribe { get; }

    public Reply Publish { get; }

    public Reply Unsubscribe { get; }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        lock (_sockets)
        {
            foreach (var s in _sockets)
            {
                s.Dispose();
            }
        }

        try
        {
            await _accept.WaitAsync(TimeSpan.FromSeconds(2));
        }
        catch (Exception ex) when (ex is OperationCanceledException or ObjectDisposedException or SocketException or TimeoutException)
        {
        }

        _stop.Dispose();
    }

    private Task AcceptLoopAsync() => AcceptLoop.RunAsync(_listener, socket =>
    {
        lock (_sockets)
        {
            _sockets.Add(socket);
        }

        _ = Task.Run(() => ServeAsync(socket));
    }, _stop.Token);

    private async Task ServeAsync(Socket socket)
    {
        try
        {
            await using var stream = new NetworkStream(socket, ownsSocket: true);
            while (true)
            {
                var (type, flags, body) = await MqttPacket.ReadAsync(stream, _stop.Token);
                byte[]? reply;
                Reply what;
                switch (type)
                {
                    case 1: // CONNECT
                        what = Connect;
                        reply = [0x20, 0x02, 0x00, 0x00];
                        break;
                    case 3: // PUBLISH
                        what = Publish;
                        int qos = (flags >> 1) & 3;
                        int topicLength = (body[0] << 8) | body[1];
                        reply = qos switch
                        {
                            1 => [0x40, 0x02, body[2 + topicLength], body[3 + topicLength]],
                            2 => [0x50, 0x02, body[2 + topicLength], body[3 + topicLength]],
                            _ => null,
                        };
                        break;
                    case 6: // PUBREL
                        what = Publish;
                        reply = [0x70, 0x02, body[0], body[1]];
                        break;
                    case 8: // SUBSCRIBE: one filter per request from the modem
                        what = Subscribe;
                        byte granted = Subscribe == Reply.Refuse ? (byte)0x80 : body[^1];
                        reply = [0x90, 0x03, body[0], body[1], granted];
                        if (what == Reply.Refuse)
                        {
                            what = Reply.Answer;
                        }

                        break;
                    case 10: // UNSUBSCRIBE
                        what = Unsubscribe;
                        reply = [0xB0, 0x02, body[0], body[1]];
                        break;
                    case 12: // PINGREQ
                        what = Reply.Answer;
                        reply = [0xD0, 0x00];
                        break;
                    case 14: // DISCONNECT
                        return;
                    default:
                        what = Reply.Ignore;
                        reply = null;
                        break;
                }

                if (what == Reply.Close)
                {
                    return;
                }

                if (what == Reply.Answer && reply is not null)
                {
                    await stream.WriteAsync(reply, _stop.Token);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or EndOfStreamException or OperationCanceledException or ObjectDisposedException or SocketException)
        {
        }
    }
}

/// <summary>A loopback listener that accepts connections and never says a word (no CONNACK).</summary>
internal sealed class SilentListener : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly List<Socket> _accepted = [];
    private readonly CancellationTokenSource _stop = new();

    public SilentListener()
    {
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _ = AcceptLoop.RunAsync(_listener, s =>
        {
            lock (_accepted)
            {
                _accepted.Add(s);
            }
        }, _stop.Token);
    }

    public int Port { get; }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        lock (_accepted)
        {
            foreach (var s in _accepted)
            {
                s.Dispose();
            }
        }

        _stop.Dispose();
    }
}
