using System.Net;
using System.Net.Sockets;
using Xunit;

namespace AtMqtt.Core.Tests.Engine;

/// <summary>
/// A line whose bytes come in several reads (a byte-paced UART, a pty) gets the same echo and answer
/// as the same line in one read; above all, a CR LF whose LF comes in a later read must not leave what
/// the modem writes next glued to the echo (<c>AT\rbusy p...</c>). Every send here is a read of its
/// own (<see cref="InMemoryModem.LockStep"/>); '|' marks the cuts.
/// </summary>
public class SplitLineTests
{
    /// <summary><c>AT\r\n</c> in one read, cut in two at every place, and byte by byte.</summary>
    public static TheoryData<string> AtCuts => ["AT\r\n", "A|T\r\n", "AT|\r\n", "AT\r|\n", "A|T|\r|\n"];

    [Theory]
    [MemberData(nameof(AtCuts))]
    public async Task A_line_during_a_blocking_command_gets_the_echo_and_busy_of_one_read_however_it_is_cut(string cut)
    {
        using var silent = new SilentBroker();
        await using var s = await InMemoryModem.StartAsync(input: InMemoryModem.LockStep);
        await StartBlockingConnAsync(s, silent.Port);

        await SendCutAsync(s, cut);
        await s.ExpectAsync("AT\r\nbusy p...\r\n");

        // The late LF was dropped: the next line is answered in step, and nothing else came.
        await s.SendAsync("ATE0\r\n");
        await s.ExpectAsync("ATE0\r\nbusy p...\r\n");
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(200));

        await FailConnAsync(s, silent);
    }

    [Theory]
    [MemberData(nameof(AtCuts))]
    public async Task With_syslog_the_ERR_CODE_before_busy_starts_on_a_line_of_its_own_however_the_line_is_cut(string cut)
    {
        using var silent = new SilentBroker();
        await using var s = await InMemoryModem.StartAsync(input: InMemoryModem.LockStep);
        await s.SysLogOnAsync();
        await StartBlockingConnAsync(s, silent.Port);

        await SendCutAsync(s, cut);
        await s.ExpectAsync("AT\r\nERR CODE:0x010b0000\r\n\r\nbusy p...\r\n");
        await s.SendAsync("AT\r\n");
        await s.ExpectAsync("AT\r\nERR CODE:0x010b0000\r\n\r\nbusy p...\r\n");
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
    }

    [Theory]
    [InlineData("AT+MQTTCONN?\r\n")]
    [InlineData("AT+MQTTCONN?\r|\n")]
    [InlineData("AT+MQTTCONN?|\r\n")]
    [InlineData("A|T|+|M|Q|T|T|C|O|N|N|?|\r|\n")]
    public async Task An_information_line_after_the_echo_starts_on_a_new_line_however_the_line_is_cut(string cut)
    {
        await using var s = await InMemoryModem.StartAsync(input: InMemoryModem.LockStep);
        await SendCutAsync(s, cut);
        await s.ExpectAsync("AT+MQTTCONN?\r\n+MQTTCONN:0,disconnect,0,\"\",0,0\r\n\r\nOK\r\n");
        await s.AssertAliveAsync();
    }

    [Theory]
    [InlineData("AT+FOO\r\n")]
    [InlineData("AT+FOO\r|\n")]
    public async Task With_syslog_an_ERR_CODE_after_the_echo_starts_on_a_new_line_however_the_line_is_cut(string cut)
    {
        await using var s = await InMemoryModem.StartAsync(input: InMemoryModem.LockStep);
        await s.SysLogOnAsync();
        await SendCutAsync(s, cut);
        await s.ExpectAsync("AT+FOO\r\n" + Text.Error("0x01090000"));
        await s.AssertAliveAsync();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task What_follows_the_echo_of_a_blocking_command_starts_on_a_new_line_when_its_LF_came_late(bool split)
    {
        using var silent = new SilentBroker();
        await using var s = await InMemoryModem.StartAsync(input: InMemoryModem.LockStep);
        await s.UserConfigAsync("split-conn");
        string conn = $"AT+MQTTCONN=0,\"127.0.0.1\",{silent.Port},0,60000";
        await SendCutAsync(s, conn + (split ? "\r|\n" : "\r\n"));
        await silent.WaitForConnectionAsync();

        // The echo, a line answered busy, then the failed result: the bytes of the one-read case.
        await s.SendAsync("AT\r\n");
        await s.ExpectAsync(conn + "\r\nAT\r\nbusy p...\r\n");
        silent.Dispose();
        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n\r\nERROR\r\n");
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task A_host_that_ends_lines_with_a_lone_CR_gets_busy_on_a_line_of_its_own()
    {
        using var silent = new SilentBroker();
        await using var s = await InMemoryModem.StartAsync(input: InMemoryModem.LockStep);
        await StartBlockingConnAsync(s, silent.Port);
        await s.SendAsync("AT\rATE0\r");
        await s.ExpectAsync("AT\r\nbusy p...\r\nATE0\r\nbusy p...\r\n");
    }

    private static async Task SendCutAsync(InMemoryModem s, string cut)
    {
        foreach (var piece in cut.Split('|'))
        {
            await s.SendAsync(piece);
        }
    }

    /// <summary>USERCFG, then a CONN that waits for a CONNACK that never comes (up to 60 s).</summary>
    private static async Task StartBlockingConnAsync(InMemoryModem s, int port)
    {
        await s.UserConfigAsync("split-" + Guid.NewGuid().ToString("N")[..8]);
        string conn = $"AT+MQTTCONN=0,\"127.0.0.1\",{port},0,60000";
        await s.SendAsync(conn + "\r\n");
        await s.ExpectAsync(conn + "\r\n");
    }

    /// <summary>The silent broker goes away: the CONN fails, and the modem answers in step again.</summary>
    private static async Task FailConnAsync(InMemoryModem s, SilentBroker silent)
    {
        await silent.WaitForConnectionAsync();
        silent.Dispose();
        await s.ExpectAsync("+MQTTDISCONNECTED:0\r\n\r\nERROR\r\n");
        await s.AssertAliveAsync();
    }

    /// <summary>A loopback listener that accepts connections and never answers: a CONN waits on it.</summary>
    private sealed class SilentBroker : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly List<Socket> _accepted = [];
        private readonly TaskCompletionSource _connected = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly Task _acceptLoop;

        public SilentBroker()
        {
            _listener.Start();
            Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
            _acceptLoop = Task.Run(AcceptAsync);
        }

        public int Port { get; }

        public Task WaitForConnectionAsync() => _connected.Task.WaitAsync(InMemoryModem.Timeout);

        public void Dispose()
        {
            _listener.Stop();
            _acceptLoop.Wait(InMemoryModem.Timeout);
            lock (_accepted)
            {
                foreach (var socket in _accepted)
                {
                    socket.Dispose();
                }

                _accepted.Clear();
            }
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    var socket = await _listener.AcceptSocketAsync();
                    lock (_accepted)
                    {
                        _accepted.Add(socket);
                    }

                    _connected.TrySetResult();
                }
            }
            catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
            {
            }
        }
    }
}
