using AtMqtt.Core;
using AtMqtt.Core.Profiles;
using AtMqtt.Testing;
using Xunit;

namespace AtMqtt.Core.Tests.Profiles;

/// <summary>--quirk no-mqtt: a firmware built without MQTT (ESP-AT issue #554) knows no AT+MQTT* command.</summary>
public sealed class NoMqttQuirkTests
{
    private static ModemOptions Options(bool noMqtt) => new()
    {
        DataTimeout = TimeSpan.FromSeconds(5),
        Quirks = noMqtt ? new Quirks { NoMqtt = true } : Quirks.None,
    };

    [Theory]
    [InlineData("AT+MQTTUSERCFG=0,1,\"id\",\"\",\"\",0,0,\"\"")]
    [InlineData("AT+MQTTCONN?")]
    [InlineData("AT+MQTTSUB?")]
    [InlineData("AT+MQTTPUB=0,\"t\",\"x\",0,0")]
    [InlineData("AT+MQTTCLEAN=0")]
    public async Task Every_mqtt_command_is_unknown(string line)
    {
        await using var s = await InMemoryModem.StartAsync(Options(noMqtt: true));
        await s.CommandAsync("AT+SYSLOG=1", "\r\nOK\r\n");
        Assert.Equal(line + "\r\nERR CODE:0x01090000\r\n\r\nERROR\r\n", await s.ExchangeAsync(line));
        await s.AssertAliveAsync();
    }

    [Fact]
    public async Task The_rest_of_the_firmware_answers_and_CMD_lists_no_mqtt_command()
    {
        await using var s = await InMemoryModem.StartAsync(Options(noMqtt: true));
        string list = await s.QueryAsync("AT+CMD?");
        Assert.Contains("\"AT+GMR\"", list, StringComparison.Ordinal);
        Assert.Contains("\"AT+CWJAP\"", list, StringComparison.Ordinal);
        Assert.DoesNotContain("AT+MQTT", list, StringComparison.Ordinal);
        Assert.Equal(["no-mqtt"], s.Modem.Snapshot().Quirks);
    }

    [Fact]
    public async Task Off_by_default()
    {
        await using var s = await InMemoryModem.StartAsync(Options(noMqtt: false));
        Assert.Contains("\"AT+MQTTUSERCFG\"", await s.QueryAsync("AT+CMD?"), StringComparison.Ordinal);
        Assert.Empty(s.Modem.Snapshot().Quirks);
        Assert.Equal("bk7238", s.Modem.Snapshot().Profile);
    }

    [Theory]
    [InlineData("no-mqtt", true, null)]
    [InlineData("lazy", false, "--quirk: 'lazy' is not one of split-subrecv, urc-in-prompt, busy-while-receiving, no-mqtt, subscribe-log-only, conn-fail-state.")]
    [InlineData("no-mqtt=1", false, "--quirk no-mqtt takes no value.")]
    public void Parse_accepts_only_what_the_engine_does(string spec, bool ok, string? error)
    {
        var q = Quirks.Parse([spec], Quirks.None, out string? got);
        Assert.Equal(ok, q is not null);
        Assert.Equal(error, got);
        Assert.Equal(ok, q?.NoMqtt == true);
    }
}
