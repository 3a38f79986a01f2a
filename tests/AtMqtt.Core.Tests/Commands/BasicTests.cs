using System.Text.RegularExpressions;
using Xunit;

namespace AtMqtt.Core.Tests.Commands;

/// <summary>AT, ATE0/ATE1, AT+RST, AT+GMR, AT+CMD?, AT+SYSLOG.</summary>
public class BasicTests
{
    [Fact]
    public async Task AT_is_OK()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.SendAsync("AT\r\n");
        await s.ExpectAsync("AT\r\n\r\nOK\r\n");
    }

    [Fact]
    public async Task AT_RST_answers_OK_then_ready()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.SendAsync("AT+RST\r\n");
        await s.ExpectAsync("AT+RST\r\n\r\nOK\r\nready\r\n");
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task AT_RST_turns_echo_back_on_and_syslog_off_and_forgets_the_configuration()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.SysLogOnAsync();
        await s.UserConfigAsync("before-reset");
        await s.CommandAsync("AT+MQTTCONNCFG=0,60,0,\"w\",\"m\",0,0", "\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,disconnect,1,\"\",0,0\r\n\r\nOK\r\n");
        await s.CommandAsync("ATE0", "\r\nOK\r\n");

        await s.SendAsync("AT+RST\r\n");
        await s.ExpectAsync("\r\nOK\r\nready\r\n");

        await s.AssertAliveAsync();
        await s.CommandAsync("AT+SYSLOG?", "+SYSLOG:0\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,disconnect,0,\"\",0,0\r\n\r\nOK\r\n");

        // CONNCFG before USERCFG is out of order again.
        await s.CommandAsync("AT+MQTTCONNCFG=0,60,0,\"w\",\"m\",0,0", "\r\nERROR\r\n");
    }

    [Theory]
    [InlineData("AT+RST=0")]
    [InlineData("AT+RST?")]
    [InlineData("AT+RST=?")]
    public async Task AT_RST_other_forms_are_errors_and_reset_nothing(string line)
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync("ATE0", "\r\nOK\r\n");
        await s.SendAsync(line + "\r\n");
        await s.ExpectAsync("\r\nERROR\r\n");
        await s.SendAsync("AT\r\n");
        await s.ExpectAsync("\r\nOK\r\n");
    }

    [Fact]
    public async Task AT_GMR_lists_the_three_version_lines()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.SendAsync("AT+GMR\r\n");
        var text = await s.ReadUntilAsync("\r\nOK\r\n");
        Assert.Matches(new Regex(@"\AAT\+GMR\r\nAT version:[^\r\n]+\r\nSDK version:[^\r\n]+\r\nBin version:[^\r\n]+\r\n\r\nOK\r\n\z"), text);
        await s.AssertAliveAsync();
    }

    [Theory]
    [InlineData("AT+GMR=1")]
    [InlineData("AT+GMR?")]
    public async Task AT_GMR_other_forms_are_errors(string line)
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync(line, "\r\nERROR\r\n");
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task AT_CMD_lists_every_command_with_its_types()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.SendAsync("AT+CMD?\r\n");
        var text = await s.ReadUntilAsync("\r\nOK\r\n");
        Assert.StartsWith("AT+CMD?\r\n", text, StringComparison.Ordinal);
        var body = text["AT+CMD?\r\n".Length..^"\r\nOK\r\n".Length];
        var lines = body.Split("\r\n")[..^1];
        Assert.Equal("", body.Split("\r\n")[^1]);

        var entries = new Dictionary<string, string>();
        for (int i = 0; i < lines.Length; i++)
        {
            var m = Regex.Match(lines[i], @"\A\+CMD:(\d+),""([A-Z0-9+_]+)"",([01]),([01]),([01]),([01])\z");
            Assert.True(m.Success, $"bad +CMD line: {lines[i]}");
            Assert.Equal(i.ToString(System.Globalization.CultureInfo.InvariantCulture), m.Groups[1].Value);
            entries.Add(m.Groups[2].Value, $"{m.Groups[3].Value}{m.Groups[4].Value}{m.Groups[5].Value}{m.Groups[6].Value}");
        }

        // test, query, set, execute
        Assert.Equal("0001", entries["AT"]);
        Assert.Equal("0001", entries["ATE0"]);
        Assert.Equal("0001", entries["ATE1"]);
        Assert.Equal("0001", entries["AT+RST"]);
        Assert.Equal("0001", entries["AT+GMR"]);
        Assert.Equal("0100", entries["AT+CMD"]);
        Assert.Equal("0110", entries["AT+SYSLOG"]);
        Assert.Equal("0010", entries["AT+MQTTUSERCFG"]);
        Assert.Equal("0010", entries["AT+MQTTCONNCFG"]);
        Assert.Equal("0110", entries["AT+MQTTCONN"]);
        Assert.Equal("0010", entries["AT+MQTTPUB"]);
        Assert.Equal("0010", entries["AT+MQTTPUBRAW"]);
        Assert.Equal("0110", entries["AT+MQTTSUB"]);
        Assert.Equal("0010", entries["AT+MQTTUNSUB"]);
        Assert.Equal("0010", entries["AT+MQTTCLEAN"]);

        // Every listed command answers in the way it claims (at least: not "unknown command").
        await s.SysLogOnAsync();
        foreach (var (name, flags) in entries)
        {
            if (flags[1] == '1' && name != "AT+RST")
            {
                await s.SendAsync(name + "?\r\n");
                var reply = await s.Host.ReadUntilAnyAsync(["\r\nOK\r\n", "\r\nERROR\r\n"], InMemoryModem.Timeout);
                Assert.DoesNotContain("0x01090000", reply, StringComparison.Ordinal);
                Assert.DoesNotContain("0x010c0000", reply, StringComparison.Ordinal);
            }
        }

        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task AT_SYSLOG_query_and_set()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync("AT+SYSLOG?", "+SYSLOG:0\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+FOO", "\r\nERROR\r\n");
        await s.CommandAsync("AT+SYSLOG=1", "\r\nOK\r\n");
        await s.CommandAsync("AT+SYSLOG?", "+SYSLOG:1\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+FOO", "ERR CODE:0x01090000\r\n\r\nERROR\r\n");
        await s.CommandAsync("AT+SYSLOG=0", "\r\nOK\r\n");
        await s.CommandAsync("AT+SYSLOG?", "+SYSLOG:0\r\n\r\nOK\r\n");
        await s.CommandAsync("AT+FOO", "\r\nERROR\r\n");
    }

    [Theory]
    [InlineData("AT+SYSLOG=2", "0x01070000")]
    [InlineData("AT+SYSLOG=-1", "0x01080000")]
    [InlineData("AT+SYSLOG=x", "0x01080000")]
    [InlineData("AT+SYSLOG=\"1\"", "0x01080000")]
    [InlineData("AT+SYSLOG=", "0x01080000")]
    [InlineData("AT+SYSLOG=1,1", "0x01060102")]
    [InlineData("AT+SYSLOG=,", "0x01060102")]
    [InlineData("AT+SYSLOG", "0x010c0000")]
    [InlineData("AT+SYSLOG=?", "0x010c0000")]
    [InlineData("AT+SYSLOG=\"1", "0x01080000")]
    public async Task AT_SYSLOG_bad_values_change_nothing(string line, string code)
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.SysLogOnAsync();
        await s.CommandAsync(line, Text.Error(code));
        await s.CommandAsync("AT+SYSLOG?", "+SYSLOG:1\r\n\r\nOK\r\n");
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task ATE0_and_ATE1_take_no_parameters()
    {
        await using var s = await InMemoryModem.StartAsync();
        await s.CommandAsync("ATE0=1", "\r\nERROR\r\n");
        await s.CommandAsync("ATE0?", "\r\nERROR\r\n");
        await s.CommandAsync("ATE1=?", "\r\nERROR\r\n");
        await s.AssertAliveAsync();
    }
}
