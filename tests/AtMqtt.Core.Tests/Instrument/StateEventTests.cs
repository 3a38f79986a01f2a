using AtMqtt.Core.Instrument;
using Xunit;

namespace AtMqtt.Core.Tests.Instrument;

/// <summary>State changes published on Modem.Events, for a test that waits instead of polling.</summary>
public class StateEventTests(BrokerFixture broker) : IClassFixture<BrokerFixture>
{
    [Fact]
    public async Task Echo_Wifi_baud_syslog_and_the_link_phase_are_published_as_they_change()
    {
        await using var s = await InMemoryModem.StartAsync();
        using var events = new EventWaiter(s.Modem.Events);

        await s.CommandAsync("AT+CWJAP=\"lab-ap\",\"password1\"", "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n");
        var wifi = await events.StateAsync(StateNames.Wifi, "joined");
        Assert.Equal("Wi-Fi joined \"lab-ap\"", wifi.Text);
        Assert.DoesNotContain("password1", wifi.ToString());

        await s.CommandAsync("AT+SYSLOG=1", InMemoryModem.Ok);
        await events.StateAsync(StateNames.SysLog, "on");
        await s.CommandAsync("AT+UART_CUR=9600,8,1,0,0", InMemoryModem.Ok);
        await events.StateAsync(StateNames.Baud, "9600");

        await s.UserConfigAsync(Unique.Id("ev"));
        await s.ConnectAsync(broker.Port);
        await events.StateAsync(StateNames.Link, "connecting");
        await events.StateAsync(StateNames.Link, "connected");

        await s.CommandAsync("AT+CWQAP", "\r\nOK\r\nWIFI DISCONNECT\r\n");
        await events.StateAsync(StateNames.Wifi, "left");

        await s.CommandAsync("AT+MQTTCLEAN=0", InMemoryModem.Ok);
        await events.StateAsync(StateNames.Link, "idle");

        await s.CommandAsync("ATE0", InMemoryModem.Ok);
        await events.StateAsync(StateNames.Echo, "off");

        // Sequence numbers rise by one per event, in the order they were published.
        var sequences = events.Seen.Select(e => e.Sequence).ToList();
        Assert.Equal(Enumerable.Range((int)sequences[0], sequences.Count).Select(i => (long)i), sequences);
    }

    [Fact]
    public async Task A_host_attaching_and_leaving_is_published()
    {
        await using var s = await InMemoryModem.StartAsync();
        using var events = new EventWaiter(s.Modem.Events);
        await s.DetachAsync();
        await events.StateAsync(StateNames.Host, "detached");
        s.Attach();
        await s.ExpectAsync("ready\r\n");
        await events.StateAsync(StateNames.Host, "attached");
    }

    [Fact]
    public async Task A_modem_without_watchers_publishes_to_nobody_and_a_new_watcher_sees_only_what_follows()
    {
        await using var s = await InMemoryModem.StartAsync();
        Assert.False(s.Modem.Events.HasWatchers);
        await s.CommandAsync("AT+SYSLOG=1", InMemoryModem.Ok);

        using var events = new EventWaiter(s.Modem.Events);
        Assert.True(s.Modem.Events.HasWatchers);
        await s.CommandAsync("AT+SYSLOG=0", InMemoryModem.Ok);
        var e = await events.NextAsync(_ => true, "any");
        Assert.Equal((StateNames.SysLog, "off"), (e.Name, e.Value));
    }
}
