using System.Text;
using Xunit;

namespace AtMqtt.Core.Tests.Engine;

/// <summary>SPEC section 2: the byte channel (terminators, echo, empty, long and malformed lines).</summary>
public class HostLineTests
{
    [Fact]
    public async Task Ready_when_the_host_attaches_then_AT_is_OK()
    {
        var session = InMemoryModem.CreateDetached();
        await using (session)
        {
            session.Attach();
            await session.ExpectAsync("ready\r\n");
            await session.SendAsync("AT\r\n");
            await session.ExpectAsync("AT\r\n\r\nOK\r\n");
        }
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\r")]
    [InlineData("\n")]
    public async Task The_echo_is_the_line_with_its_terminator_as_received(string terminator)
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.SendAsync("AT" + terminator);
        await s.ExpectAsync("AT" + terminator + "\r\nOK\r\n");

        // An information line still starts on a line of its own after a lone CR.
        await s.SendAsync("AT+SYSLOG?" + terminator);
        await s.ExpectAsync("AT+SYSLOG?" + terminator + (terminator == "\r" ? "\n" : "") + "+SYSLOG:0\r\n\r\nOK\r\n");
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task Several_lines_in_one_write_are_answered_in_order()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.SendAsync("AT\r\nAT+FOO\rAT\nATE0\r\nAT\r\nATE1\r\n");
        await s.ExpectAsync("AT\r\n\r\nOK\r\nAT+FOO\r\r\nERROR\r\nAT\n\r\nOK\r\nATE0\r\n\r\nOK\r\n\r\nOK\r\n\r\nOK\r\n");
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task Empty_lines_get_no_output()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.SendAsync("\r\n\r\n\n\r\r\n\n\n\r");
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task The_LF_of_a_CR_LF_split_across_writes_is_not_a_line()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.SendAsync("AT\r");
        await s.ExpectAsync("AT\r\r\nOK\r\n");
        await s.SendAsync("\n");
        await s.AssertSilentAsync(TimeSpan.FromMilliseconds(200));
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task A_command_sent_byte_by_byte_is_one_line()
    {
        await using var s = await InMemoryModem.StartAsync();
        foreach (var b in "AT+SYSLOG?\r\n"u8.ToArray())
        {
            await s.SendAsync([b]);
        }

        await s.ExpectAsync("AT+SYSLOG?\r\n+SYSLOG:0\r\n\r\nOK\r\n");
    }

    [Fact]
    public async Task ATE0_turns_echo_off_and_ATE1_on()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.SendAsync("ATE0\r\n");
        await s.ExpectAsync("ATE0\r\n\r\nOK\r\n");
        await s.SendAsync("AT\r\n");
        await s.ExpectAsync("\r\nOK\r\n");
        await s.SendAsync("AT+FOO\r\n");
        await s.ExpectAsync("\r\nERROR\r\n");
        await s.SendAsync("ATE0\r\n");
        await s.ExpectAsync("\r\nOK\r\n");
        await s.SendAsync("ATE1\r\n");
        await s.ExpectAsync("\r\nOK\r\n");
        await s.SendAsync("ATE1\r\n");
        await s.ExpectAsync("ATE1\r\n\r\nOK\r\n");
        await s.AssertAliveAsync();
    }

    [Theory]
    [InlineData("at")]
    [InlineData("At")]
    [InlineData("aT")]
    [InlineData("at+mqttclean=0")]
    [InlineData("ate0")]
    [InlineData("hello")]
    [InlineData(" AT")]
    [InlineData("AT ")]
    [InlineData("A")]
    [InlineData("+++")]
    [InlineData("AT+mqttclean=0")]
    [InlineData("ATE")]
    [InlineData("ATE2")]
    [InlineData("AT+")]
    [InlineData("AT=")]
    [InlineData("AT?")]
    [InlineData("AT=?")]
    public async Task A_line_that_is_not_a_known_command_gets_ERROR(string line)
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync(line, "\r\nERROR\r\n");
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task ATE0_in_lower_case_does_not_turn_echo_off()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync("ate0", "\r\nERROR\r\n");
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task Binary_bytes_are_echoed_exactly()
    {
        await using var s = await InMemoryModem.StartAsync();
        byte[] line = [(byte)'A', (byte)'T', (byte)'+', 0x00, 0xFF, 0x80, (byte)'"', (byte)',', 0x1B, (byte)'\r', (byte)'\n'];
        await s.SendAsync(line);
        await s.ExpectAsync(Text.Concat(line, Text.Utf8("\r\nERROR\r\n")));
        await s.AssertAliveAsync();
    }

    private static string SysLogLine(int length) => "AT+SYSLOG=" + new string('0', length - 11) + "1";

    [Fact]
    public async Task A_line_of_exactly_256_bytes_is_executed()
    {
        await using var s = await InMemoryModem.StartAsync();
        var line = SysLogLine(256);
        Assert.Equal(256, line.Length);
        await s.CommandAsync(line, "\r\nOK\r\n");
        await s.CommandAsync("AT+SYSLOG?", "+SYSLOG:1\r\n\r\nOK\r\n");
    }

    [Theory]
    [InlineData(257)]
    [InlineData(258)]
    [InlineData(5000)]
    public async Task A_longer_line_gets_ERROR_without_echo_and_executes_nothing(int length)
    {
        await using var s = await InMemoryModem.StartAsync();
        var line = SysLogLine(length);
        Assert.Equal(length, line.Length);
        await s.SendAsync(line + "\r\n");
        await s.ExpectAsync("\r\nERROR\r\n");
        await s.AssertAliveAsync();
        await s.CommandAsync("AT+SYSLOG?", "+SYSLOG:0\r\n\r\nOK\r\n");
    }

    [Theory]
    [InlineData("\r\n")]
    [InlineData("\r")]
    [InlineData("\n")]
    public async Task A_long_line_and_the_next_command_in_one_write(string terminator)
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.SendAsync(new string('x', 5000) + terminator + "AT" + terminator);
        await s.ExpectAsync("\r\nERROR\r\nAT" + terminator + "\r\nOK\r\n");
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task A_5000_byte_line_in_small_writes_is_one_ERROR()
    {
        await using var s = await InMemoryModem.StartAsync();
        var line = Encoding.ASCII.GetBytes("AT+MQTTPUB=0,\"t\",\"" + new string('d', 5000) + "\",0,0\r\n");
        for (int i = 0; i < line.Length; i += 97)
        {
            await s.SendAsync(line[i..Math.Min(i + 97, line.Length)]);
        }

        await s.ExpectAsync("\r\nERROR\r\n");
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task A_long_line_with_syslog_names_its_error()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.SysLogOnAsync();
        await s.SendAsync(new string('A', 257) + "\r\n");
        await s.ExpectAsync("ERR CODE:0x01040000\r\n\r\nERROR\r\n");
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task A_long_line_with_echo_off()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync("ATE0", "\r\nOK\r\n");
        await s.SendAsync(new string('A', 300) + "\r\nAT\r\n");
        await s.ExpectAsync("\r\nERROR\r\n\r\nOK\r\n");
    }
}
