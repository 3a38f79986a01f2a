using System.Text;
using AtMqtt.TestSupport;
using Xunit;

namespace AtMqtt.IntegrationTests.Support;

/// <summary>
/// The real atmqtt program as a child process listening with <c>--tcp 127.0.0.1:&lt;free port&gt;</c>,
/// with an <see cref="AtHost"/> attached that has already consumed the opening <c>ready\r\n</c>.
/// </summary>
public sealed class TestModem : IAsyncDisposable
{
    /// <summary>Generous read timeout: several modems, brokers and test hosts share two cores.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);

    private TestModem(ModemProcess process, int tcpPort, AtHost host)
    {
        Process = process;
        TcpPort = tcpPort;
        Host = host;
    }

    public ModemProcess Process { get; }

    public int TcpPort { get; }

    /// <summary>The attached host; replaced by <see cref="ReattachAsync"/>.</summary>
    public AtHost Host { get; private set; }

    /// <summary>
    /// Starts the modem on a free loopback port with <paramref name="extraArgs"/>, waits until it
    /// listens, connects a host and checks the exact <c>ready\r\n</c>. Retries on a new channel port
    /// when the port was taken between probing and binding.
    /// </summary>
    public static async Task<TestModem> StartAsync(params string[] extraArgs)
    {
        const int attempts = 3;
        for (int attempt = 1; ; attempt++)
        {
            int port = FreePort.Get();
            var process = await ModemProcess.StartAsync(["--tcp", $"{FreePort.Host}:{port}", .. extraArgs]);
            try
            {
                await process.WaitForStdErrAsync("Listening for a host on", Timeout);
            }
            catch (InvalidOperationException) when (attempt < attempts)
            {
                // Exited early (its port was taken meanwhile): try again on a fresh channel port.
                await process.DisposeAsync();
                continue;
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }

            try
            {
                return new TestModem(process, port, await ConnectHostAsync(port));
            }
            catch
            {
                await process.DisposeAsync();
                throw;
            }
        }
    }

    /// <summary>Sends <paramref name="line"/> and returns everything through its final result.</summary>
    public Task<string> CommandAsync(string line, TimeSpan? timeout = null) => Host.CommandAsync(line, timeout ?? Timeout);

    /// <summary>Sends <paramref name="line"/> and asserts the exact bytes: echo, then <paramref name="response"/>.</summary>
    public async Task ExpectAsync(string line, string response, TimeSpan? timeout = null)
    {
        string actual = await CommandAsync(line, timeout);
        Assert.Equal(AtHost.Escape(Wire(line) + "\r\n" + response), AtHost.Escape(actual));
    }

    /// <summary>How <paramref name="text"/> looks on the wire as the host reads it: its UTF-8 bytes, one Latin-1 char each.</summary>
    public static string Wire(string text) => Encoding.Latin1.GetString(Encoding.UTF8.GetBytes(text));

    /// <summary>Asserts that <paramref name="line"/> answers exactly its echo and <c>\r\nOK\r\n</c>.</summary>
    public Task OkAsync(string line) => ExpectAsync(line, "\r\nOK\r\n");

    /// <summary>Reads exactly as many bytes as <paramref name="expected"/> has (Latin-1) and compares them.</summary>
    public async Task ExpectBytesAsync(string expected, TimeSpan? timeout = null)
    {
        string actual;
        try
        {
            actual = Encoding.Latin1.GetString(await Host.ReadExactlyAsync(expected.Length, timeout ?? Timeout));
        }
        catch (TimeoutException ex)
        {
            throw new TimeoutException($"Expected \"{AtHost.Escape(expected)}\". {ex.Message}", ex);
        }

        Assert.Equal(AtHost.Escape(expected), AtHost.Escape(actual));
    }

    /// <summary>USERCFG (scheme 1) with <paramref name="clientId"/>, optional CONNCFG, then CONN; checks the exact bytes.</summary>
    public async Task ConnectLinkAsync(string clientId, int brokerPort, int reconnect = 0, string? connCfg = null, string username = "", string password = "")
    {
        await OkAsync($"AT+MQTTUSERCFG=0,1,\"{clientId}\",\"{username}\",\"{password}\",0,0,\"\"");
        if (connCfg is not null)
        {
            await OkAsync(connCfg);
        }

        await ExpectAsync($"AT+MQTTCONN=0,\"{FreePort.Host}\",{brokerPort},{reconnect}", ConnectedResponse(brokerPort, reconnect));
    }

    /// <summary>The exact successful CONN response after the echo.</summary>
    public static string ConnectedResponse(int brokerPort, int reconnect) =>
        $"{ConnectedUrc(brokerPort, reconnect)}\r\nOK\r\n";

    /// <summary><c>+MQTTCONNECTED:0,1,"127.0.0.1",port,reconnect\r\n</c></summary>
    public static string ConnectedUrc(int brokerPort, int reconnect) =>
        $"+MQTTCONNECTED:0,1,\"{FreePort.Host}\",{brokerPort},{reconnect}\r\n";

    /// <summary>The exact URC for one received message; <paramref name="payload"/> is Latin-1 (one char per byte).</summary>
    public static string SubRecv(string topic, string payload) =>
        $"+MQTTSUBRECV:0,\"{topic}\",{payload.Length},{payload}\r\n";

    /// <summary>Closes the current host connection and connects a new one (which must get <c>ready\r\n</c>).</summary>
    public async Task ReattachAsync()
    {
        await Host.DisposeAsync();
        Host = await ConnectHostAsync(TcpPort);
    }

    /// <summary>
    /// Connects a host and checks the exact <c>ready\r\n</c>. Someone else may be connected for a
    /// moment: FreePort can hand the same port to two parallel tests, and the other test's readiness
    /// probe (MosquittoBroker polls its port with a connect) then lands on this modem; or AtHost gave up
    /// on a connect attempt (2 s timeout, loaded machine) that the modem had already accepted. The
    /// modem refuses us as a second host meanwhile; that refusal is retried, a bounded number of times.
    /// </summary>
    private static async Task<AtHost> ConnectHostAsync(int port)
    {
        for (int attempt = 1; ; attempt++)
        {
            var host = await AtHost.ConnectAsync(port, Timeout);
            string first;
            try
            {
                first = Encoding.Latin1.GetString(await host.ReadExactlyAsync(7, Timeout));
            }
            catch
            {
                await host.DisposeAsync();
                throw;
            }

            if (first == "ready\r\n")
            {
                return host;
            }

            await host.DisposeAsync();
            if (!first.StartsWith("ERROR", StringComparison.Ordinal) || attempt == 5)
            {
                Assert.Fail($"Expected \"ready\\r\\n\" from the modem on port {port}, got \"{AtHost.Escape(first)}\" (attempt {attempt}).");
            }

            await Task.Delay(300);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Host.DisposeAsync();
        await Process.DisposeAsync();
    }
}
