using AtMqtt.Core.Dialects;
using AtMqtt.Core.Profiles;
using Xunit;

namespace AtMqtt.Core.Tests.Profiles;

/// <summary>The quirks that change command answers: no-mqtt, subscribe-log-only, conn-fail-state.</summary>
public sealed partial class QuirkTests
{
    /// <summary>
    /// no-mqtt: a firmware built without MQTT (NONOS AT 1.7.4, ESP-AT issue #554; ESP-AT with "AT MQTT command
    /// support" off). Every AT+MQTT* command of the profile is unknown: ERROR, with ERR CODE 0x01090000 under
    /// AT+SYSLOG=1, whatever its form; AT+CMD? lists none; the rest answers as before (off by default:
    /// NoMqttQuirkTests.Off_by_default).
    /// </summary>
    [Theory]
    [MemberData(nameof(ProfileNames))]
    public async Task No_mqtt_answers_every_MQTT_command_as_unknown(string name)
    {
        var profile = Profile.FromName(name)!;
        await using var s = await InMemoryModem.StartAsync(new ModemOptions { Profile = profile, Quirks = new Quirks { NoMqtt = true } });
        await s.CommandAsync("AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,0,\"\"", InMemoryModem.Error);
        await s.SysLogOnAsync();
        var mqtt = profile.Commands.All.Where(c => c.Name.StartsWith("AT+MQTT", StringComparison.Ordinal)).ToList();
        Assert.NotEmpty(mqtt);
        foreach (var c in mqtt)
        {
            await s.CommandAsync(c.Name + "?", InMemoryModem.Err(0x01090000));
            await s.CommandAsync(c.Name + "=0", InMemoryModem.Err(0x01090000));
        }

        string list = await s.QueryAsync("AT+CMD?");
        Assert.DoesNotContain("AT+MQTT", list, StringComparison.Ordinal);
        Assert.Contains("\"AT+GMR\"", list, StringComparison.Ordinal);
        await s.AssertAliveAsync();
    }

    /// <summary>
    /// subscribe-log-only (ESP-AT issue #453, a v2.1-era build): a second AT+MQTTSUB of a topic and an
    /// AT+MQTTUNSUB of one never subscribed answer only OK on the command port; ALREADY SUBSCRIBE and NO
    /// UNSUBSCRIBE go to the log UART (the program's log). Without the quirk they are lines of the response.
    /// </summary>
    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Subscribe_log_only_moves_the_notices_to_the_log(bool quirk)
    {
        string topic = Text.Unique("notice");
        using var log = new LogCapture();
        var options = quirk ? With("subscribe-log-only") : With();
        await using var s = await ConnectedAsync(new ModemOptions { Quirks = options.Quirks, LoggerFactory = log, DataTimeout = options.DataTimeout });
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1", Ok);
        await s.CommandAsync($"AT+MQTTSUB=0,\"{topic}\",1", (quirk ? "" : "ALREADY SUBSCRIBE\r\n") + Ok);
        await s.CommandAsync($"AT+MQTTUNSUB=0,\"{topic}/other\"", (quirk ? "" : "NO UNSUBSCRIBE\r\n") + Ok);
        Assert.Equal(quirk ? 1 : 0, log.Count("ALREADY SUBSCRIBE (on the log only: subscribe-log-only)"));
        Assert.Equal(quirk ? 1 : 0, log.Count("NO UNSUBSCRIBE (on the log only: subscribe-log-only)"));

        // Nothing else changes: the subscription works.
        await using var probe = await broker.ProbeAsync();
        await probe.PublishAsync(topic, "x", 1);
        await s.ExpectAsync($"+MQTTSUBRECV:0,\"{topic}\",1,x\r\n");
    }

    /// <summary>
    /// conn-fail-state: after a failed AT+MQTTCONN, AT+MQTTCONN? shows state 2 with the host, port and path
    /// empty and reconnect 0, as in ESP-AT issue #427 (<c>+MQTTCONN:0,2,1,"","","",0</c>), until the next
    /// CONN or configuration. Without it, state 3 with the target (SPEC section 4; EspAtDialectTests).
    /// </summary>
    [Theory]
    [InlineData("esp-at", true, "+MQTTCONN:0,2,1,\"\",\"\",\"\",0")]
    [InlineData("esp-at", false, "+MQTTCONN:0,3,1,\"127.0.0.1\",\"{port}\",\"\",1")]
    [InlineData("seed", true, "+MQTTCONN:0,disconnect,1,\"\",0,0")]
    [InlineData("seed", false, "+MQTTCONN:0,disconnect,1,\"127.0.0.1\",{port},1")]
    public async Task Conn_fail_state_shows_what_esp_at_issue_427_shows(string dialect, bool quirk, string line)
    {
        int closed = FreePort.Get();
        await using var s = await InMemoryModem.StartAsync(new ModemOptions
        {
            Dialect = Dialect.FromName(dialect)!,
            Quirks = new Quirks { ConnFailState = quirk },
        });
        await s.CommandAsync("AT+MQTTUSERCFG=0,1,\"23SI6PNSS9esp32\",\"\",\"\",0,0,\"\"", Ok);
        await s.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{closed},1", "+MQTTDISCONNECTED:0\r\n" + InMemoryModem.Error);
        await s.CommandAsync("AT+MQTTCONN?", line.Replace("{port}", closed.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal) + "\r\n" + Ok);

        // A new configuration ends the failed attempt, and with it what the quirk shows.
        await s.CommandAsync("AT+MQTTUSERCFG=0,1,\"again\",\"\",\"\",0,0,\"\"", Ok);
        Assert.StartsWith(dialect == "esp-at" ? "+MQTTCONN:0,1,1,\"127.0.0.1\"," : "+MQTTCONN:0,disconnect,1,\"127.0.0.1\",", await s.QueryAsync("AT+MQTTCONN?"), StringComparison.Ordinal);
    }
}
