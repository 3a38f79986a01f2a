using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AtMqtt.Modem.Tests.Testing;

/// <summary>
/// Loopback TCP peer for AtHost tests: echoes every byte and, per complete line, answers like a
/// tiny modem ("AT" → OK, "BUSY" → busy p..., "CLOSE" → hang up, anything else → ERROR).
/// </summary>
internal sealed class FakeModemServer : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _cts = new();
    private readonly Task _acceptLoop;
    private readonly bool _scripted;

    public FakeModemServer(bool scripted, int port = 0)
    {
        _scripted = scripted;
        _listener = new TcpListener(IPAddress.Loopback, port);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _acceptLoop = AcceptLoopAsync();
    }

    public int Port { get; }

    public async ValueTask DisposeAsync()
    {
        _cts.Cancel();
        _listener.Stop();
        try
        {
            await _acceptLoop;
        }
        catch (Exception)
        {
        }

        _listener.Dispose();
        _cts.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_cts.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_cts.Token);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            var stream = client.GetStream();
            var buffer = new byte[4096];
            var line = new List<byte>();
            try
            {
                while (true)
                {
                    var n = await stream.ReadAsync(buffer, _cts.Token);
                    if (n == 0)
                    {
                        return;
                    }

                    await stream.WriteAsync(buffer.AsMemory(0, n), _cts.Token);
                    if (!_scripted)
                    {
                        continue;
                    }

                    for (var i = 0; i < n; i++)
                    {
                        line.Add(buffer[i]);
                        if (buffer[i] != '\n')
                        {
                            continue;
                        }

                        var command = Encoding.Latin1.GetString(line.ToArray()).TrimEnd('\r', '\n');
                        line.Clear();
                        if (command == "CLOSE")
                        {
                            return;
                        }

                        var reply = command switch
                        {
                            "AT" => "\r\nOK\r\n",
                            "BUSY" => "busy p...\r\n",
                            "URC" => "\r\n+URC: 1\r\n\r\nOK\r\n",
                            _ => "\r\nERROR\r\n",
                        };
                        await stream.WriteAsync(Encoding.Latin1.GetBytes(reply), _cts.Token);
                    }
                }
            }
            catch (Exception) when (_cts.IsCancellationRequested)
            {
            }
            catch (IOException)
            {
            }
        }
    }
}
