using System.IO.Pipelines;
using System.Text;
using AtMqtt.Client;
using Xunit;

namespace AtMqtt.Testing;

/// <summary>
/// A scripted module for an <see cref="AtMqttClient"/>: the test reads what the client sends and writes
/// exactly the bytes a real module (with its quirks: no echo off, lines ended by a lone CR, URCs anywhere)
/// would answer. The client's reads can be cut into pieces of at most <see cref="MaxChunk"/> bytes, so every
/// line can be made to arrive split across reads.
/// </summary>
public sealed class FakeModule : IAsyncDisposable
{
    /// <summary>How long a read of what the client sends waits.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(10);

    private readonly Pipe _toClient = new();
    private readonly Pipe _fromClient = new();
    private readonly List<byte> _received = [];

    /// <summary>A module with nothing said yet.</summary>
    public FakeModule() => ClientStream = new DuplexStream(_toClient.Reader.AsStream(), _fromClient.Writer.AsStream(), () => MaxChunk);

    /// <summary>The stream to give the client.</summary>
    public Stream ClientStream { get; }

    /// <summary>The most bytes one read of the client returns.</summary>
    public int MaxChunk { get; set; } = int.MaxValue;

    /// <summary>Echo each command line back (as a module does after start, until ATE0).</summary>
    public bool Echo { get; set; }

    /// <summary>How this module ends the lines it writes (<c>\r\n</c>; some send only <c>\r</c>).</summary>
    public string Eol { get; set; } = "\r\n";

    /// <summary>Every command line received so far, in order.</summary>
    public List<string> Lines { get; } = [];

    /// <summary>Creates a client on this fake with short timeouts.</summary>
    public AtMqttClient CreateClient(AtMqttClientOptions? options = null) => new(ClientStream, options ?? new AtMqttClientOptions
    {
        CommandTimeout = TimeSpan.FromSeconds(3),
        NetworkTimeout = TimeSpan.FromSeconds(3),
        StartupTimeout = TimeSpan.FromSeconds(5),
    });

    /// <summary>Writes raw text (UTF-8) to the client; <c>\n</c> in it is replaced by <see cref="Eol"/> when <paramref name="eol"/> is set.</summary>
    public async Task SendAsync(string text, bool eol = false)
    {
        if (eol)
        {
            text = text.Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", Eol, StringComparison.Ordinal);
        }

        await SendBytesAsync(Encoding.UTF8.GetBytes(text));
    }

    /// <summary>Writes raw bytes to the client.</summary>
    public async Task SendBytesAsync(byte[] bytes)
    {
        await _toClient.Writer.WriteAsync(bytes);
    }

    /// <summary>Sends information lines then <c>OK</c>, module style (<c>\r\nOK\r\n</c>).</summary>
    public Task OkAsync(params string[] lines) => SendAsync(string.Concat(lines.Select(l => l + "\n")) + "\nOK\n", eol: true);

    /// <summary>Sends an optional <c>ERR CODE</c> line and <c>ERROR</c>.</summary>
    public Task ErrorAsync(uint? code = null) =>
        SendAsync((code is { } c ? $"ERR CODE:0x{c:x8}\n\n" : "\n") + "ERROR\n", eol: true);

    /// <summary>Reads the next command line the client sent (without CR LF); echoes it if <see cref="Echo"/>.</summary>
    public async Task<string> ReadLineAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? Patience);
        while (true)
        {
            int lf = _received.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var bytes = _received.GetRange(0, lf + 1).ToArray();
                _received.RemoveRange(0, lf + 1);
                string line = Encoding.UTF8.GetString(bytes).TrimEnd('\r', '\n');
                Assert.True(bytes.Length >= 2 && bytes[^2] == '\r', $"line not ended by CR LF: {AtHost.Escape(Encoding.Latin1.GetString(bytes))}");
                Lines.Add(line);
                if (Echo)
                {
                    await SendBytesAsync(bytes);
                    if (line == "ATE0")
                    {
                        Echo = false;
                    }
                }

                return line;
            }

            await FillAsync(cts.Token, "a command line");
        }
    }

    /// <summary>Reads the next line and asserts it.</summary>
    public async Task ExpectAsync(string line)
    {
        string actual = await ReadLineAsync();
        Assert.Equal(line, actual);
    }

    /// <summary>Reads exactly <paramref name="count"/> raw bytes (a data phase).</summary>
    public async Task<byte[]> ReadBytesAsync(int count)
    {
        using var cts = new CancellationTokenSource(Patience);
        while (_received.Count < count)
        {
            await FillAsync(cts.Token, $"{count} data bytes");
        }

        var bytes = _received.GetRange(0, count).ToArray();
        _received.RemoveRange(0, count);
        return bytes;
    }

    /// <summary>Asserts that the client sends nothing for <paramref name="time"/>.</summary>
    public async Task ExpectSilenceAsync(TimeSpan time)
    {
        using var cts = new CancellationTokenSource(time);
        try
        {
            while (_received.Count == 0)
            {
                await FillAsync(cts.Token, "silence");
            }
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Assert.Fail($"The client sent {AtHost.Escape(Encoding.Latin1.GetString([.. _received]))}");
    }

    /// <summary>
    /// Answers the client's initialisation: AT, AT+MQTTCONN? (in the dialect's form), ATE0 and AT+SYSLOG=1.
    /// </summary>
    public async Task HandshakeAsync(AtDialect dialect = AtDialect.EspAt, bool connected = false)
    {
        await ExpectAsync("AT");
        await OkAsync();

        // On a loaded machine the client may time out and try AT again before our OK reached it.
        string line;
        while ((line = await ReadLineAsync()) == "AT")
        {
            await OkAsync();
        }

        Assert.Equal("AT+MQTTCONN?", line);
        await OkAsync(ConnLine(dialect, connected));
        await ExpectAsync("ATE0");
        await OkAsync();
        await ExpectAsync("AT+SYSLOG=1");
        await OkAsync();
    }

    /// <summary>The <c>+MQTTCONN</c> line of a dialect.</summary>
    public static string ConnLine(AtDialect dialect, bool connected) => dialect == AtDialect.Seed
        ? (connected ? "+MQTTCONN:0,connected,1,\"broker\",1883,0" : "+MQTTCONN:0,disconnect,0,\"\",0,0")
        : (connected ? "+MQTTCONN:0,4,1,\"broker\",\"1883\",\"\",0" : "+MQTTCONN:0,0,0,\"\",\"0\",\"\",0");

    /// <summary>Initialises a client on this fake (answering the handshake) and returns it.</summary>
    public async Task<AtMqttClient> StartClientAsync(AtDialect dialect = AtDialect.EspAt, AtMqttClientOptions? options = null)
    {
        var client = CreateClient(options);
        var init = client.InitializeAsync();
        await HandshakeAsync(dialect);
        await init.WaitAsync(Patience);
        return client;
    }

    /// <summary>Closes the module's side: the client sees the end of its stream.</summary>
    public Task CloseAsync() => _toClient.Writer.CompleteAsync().AsTask();

    /// <summary>Ends both directions.</summary>
    public async ValueTask DisposeAsync()
    {
        await _toClient.Writer.CompleteAsync();
        await _fromClient.Reader.CompleteAsync();
    }

    private async Task FillAsync(CancellationToken cancellationToken, string what)
    {
        ReadResult result;
        try
        {
            result = await _fromClient.Reader.ReadAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (what != "silence")
        {
            throw new TimeoutException($"The client sent no {what}. Pending: {AtHost.Escape(Encoding.Latin1.GetString([.. _received]))}");
        }

        foreach (var segment in result.Buffer)
        {
            _received.AddRange(segment.Span);
        }

        _fromClient.Reader.AdvanceTo(result.Buffer.End);
        if (result.IsCompleted && result.Buffer.IsEmpty)
        {
            throw new EndOfStreamException("The client closed its side.");
        }
    }
}
