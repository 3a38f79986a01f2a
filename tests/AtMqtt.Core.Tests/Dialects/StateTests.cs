using AtMqtt.Core.Dialects;
using Xunit;
using static AtMqtt.Testing.InMemoryModem;

namespace AtMqtt.Core.Tests.Dialects;

/// <summary>
/// The link state of AT+MQTTCONN? and AT+MQTTSUB?: ESP-AT's numbers 0..6 in the esp-at dialect, the
/// words connected/disconnect in the seed dialect (SPEC section 1). Every state is produced and read
/// back by both queries; AT+MQTTSUB? shows it only on subscription lines, so an empty list is a bare OK.
/// </summary>
public sealed class StateTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    private int Port => mosquitto.Port;

    [Fact]
    public async Task Esp_at_states_0_to_6_in_both_queries()
    {
        string id = Unique.Id("states");
        int closed = FreePort.Get();
        await using var m = await StartAsync(Dialect.EspAt());

        // 0: nothing configured.
        await m.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,0,0,\"\",\"0\",\"\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB?", Ok);

        // 1: USERCFG set.
        await m.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{id}\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,1,1,\"\",\"0\",\"\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB?", Ok);

        // 2: CONNCFG set.
        await m.CommandAsync("AT+MQTTCONNCFG=0,0,0,\"\",\"\",0,0", Ok);
        await m.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,2,1,\"\",\"0\",\"\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB?", Ok);

        // 3: a connection attempt failed.
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{closed},0", "+MQTTDISCONNECTED:0\r\n" + Error);
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,3,1,\"127.0.0.1\",\"{closed}\",\"\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB?", Ok);

        // 4: connected, no subscription made yet.
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0", $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,4,1,\"127.0.0.1\",\"{Port}\",\"\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB?", Ok);

        // 6: at least one subscription.
        await m.CommandAsync("AT+MQTTSUB=0,\"a/b\",1", Ok);
        await m.CommandAsync("AT+MQTTSUB=0,\"c/#\",0", Ok);
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,6,1,\"127.0.0.1\",\"{Port}\",\"\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB?", "+MQTTSUB:0,6,\"a/b\",1\r\n+MQTTSUB:0,6,\"c/#\",0\r\n" + Ok);

        // Still 6 while one is left.
        await m.CommandAsync("AT+MQTTUNSUB=0,\"a/b\"", Ok);
        await m.CommandAsync("AT+MQTTSUB?", "+MQTTSUB:0,6,\"c/#\",0\r\n" + Ok);

        // 5: connected, the list emptied by unsubscribing.
        await m.CommandAsync("AT+MQTTUNSUB=0,\"c/#\"", Ok);
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,5,1,\"127.0.0.1\",\"{Port}\",\"\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB?", Ok);

        // Subscribing again: 6.
        await m.CommandAsync("AT+MQTTSUB=0,\"a/b\",2", Ok);
        await m.CommandAsync("AT+MQTTSUB?", "+MQTTSUB:0,6,\"a/b\",2\r\n" + Ok);

        // 3 again: the established connection dropped (the broker gave the client id to another
        // client); reconnect=0 keeps it down and the list is still shown.
        await using (var thief = await mosquitto.ProbeAsync(id))
        {
            await m.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
            await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,3,1,\"127.0.0.1\",\"{Port}\",\"\",0\r\n" + Ok);
            await m.CommandAsync("AT+MQTTSUB?", "+MQTTSUB:0,3,\"a/b\",2\r\n" + Ok);
        }

        // CLEAN: back to 0.
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
        await m.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,0,0,\"\",\"0\",\"\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB?", Ok);
    }

    /// <summary>
    /// After an established connection dropped with reconnect=0 the host must AT+MQTTCLEAN=0 before
    /// connecting again (ESP-AT: "you can NOT re-run AT+MQTTCONN"; docs/behaviour.md: "CONN is ERROR
    /// until AT+MQTTCLEAN=0 and a new configuration"). A new USERCFG alone must not undo that, and
    /// must not leave the old subscription list claiming filters the new session does not have.
    /// </summary>
    [Fact]
    public async Task After_a_reconnect_0_drop_only_clean_allows_a_new_connection()
    {
        string id = Unique.Id("drop0");
        await using var m = await StartAsync(Dialect.EspAt());
        await m.SysLogOnAsync();
        await m.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{id}\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0", $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB=0,\"d/0\",1", Ok);
        await using (var thief = await mosquitto.ProbeAsync(id))
        {
            await m.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
        }

        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0", Err(0x010a6002));
        await m.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{id}\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0", Err(0x010a6002));
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
        await m.CommandAsync("AT+MQTTSUB?", Ok);
        await m.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{id}\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},0", $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{Port}\",\"\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,4,1,\"127.0.0.1\",\"{Port}\",\"\",0\r\n" + Ok);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }

    [Fact]
    public async Task Seed_states_are_words()
    {
        string id = Unique.Id("seedstates");
        int closed = FreePort.Get();
        await using var m = await StartAsync(Dialect.Seed);
        await m.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,disconnect,0,\"\",0,0\r\n" + Ok);
        await m.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{id}\",\"\",\"\",0,0,\"mqtt\"", Ok);
        await m.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,disconnect,1,\"\",0,0\r\n" + Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{closed},1", "+MQTTDISCONNECTED:0\r\n" + Error);
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,disconnect,1,\"127.0.0.1\",{closed},1\r\n" + Ok);

        // The path is not shown in the seed dialect.
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{Port},1", $"+MQTTCONNECTED:0,1,\"127.0.0.1\",{Port},1\r\n" + Ok);
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,connected,1,\"127.0.0.1\",{Port},1\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB?", Ok);
        await m.CommandAsync("AT+MQTTSUB=0,\"a/b\",1", Ok);
        await m.CommandAsync("AT+MQTTSUB?", "+MQTTSUB:0,connected,\"a/b\",1\r\n" + Ok);
        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
        await m.CommandAsync("AT+MQTTCONN?", "+MQTTCONN:0,disconnect,0,\"\",0,0\r\n" + Ok);
    }

    [Fact]
    public async Task Seed_rejects_a_quoted_port()
    {
        await using var m = await StartAsync(Dialect.Seed);
        await m.SysLogOnAsync();
        await m.CommandAsync("AT+MQTTUSERCFG=0,1,\"c\",\"\",\"\",0,0,\"\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",\"{Port}\",1", Err(0x010a603d));
    }

    /// <summary>
    /// A drop with reconnect=1 (mosquitto killed and started again on the same port): state 3 in
    /// both queries while it is away, then the esp-at +MQTTCONNECTED URC with quoted port and path,
    /// the subscription restored, state 6.
    /// </summary>
    [Fact]
    public async Task Esp_at_reconnect_shows_state_3_then_the_connected_urc()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        await using var m = await StartAsync(Dialect.EspAt());
        await m.CommandAsync($"AT+MQTTUSERCFG=0,1,\"{Unique.Id("recon")}\",\"\",\"\",0,0,\"mqtt\"", Ok);
        await m.CommandAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{broker.Port},1",
            $"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{broker.Port}\",\"/mqtt\",1\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB=0,\"r/t\",1", Ok);

        await broker.StopAsync();
        await m.ExpectAsync("+MQTTDISCONNECTED:0\r\n");
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,3,1,\"127.0.0.1\",\"{broker.Port}\",\"/mqtt\",1\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB?", "+MQTTSUB:0,3,\"r/t\",1\r\n" + Ok);

        await broker.RestartAsync();
        await m.ExpectAsync($"+MQTTCONNECTED:0,1,\"127.0.0.1\",\"{broker.Port}\",\"/mqtt\",1\r\n", TimeSpan.FromSeconds(15));
        await m.CommandAsync("AT+MQTTCONN?", $"+MQTTCONN:0,6,1,\"127.0.0.1\",\"{broker.Port}\",\"/mqtt\",1\r\n" + Ok);
        await m.CommandAsync("AT+MQTTSUB?", "+MQTTSUB:0,6,\"r/t\",1\r\n" + Ok);

        // The restored subscription works.
        await using var probe = await MqttProbe.ConnectAsync(FreePort.Host, broker.Port);
        for (int i = 0; ; i++)
        {
            await probe.PublishAsync("r/t", "back", 1);
            string got = await m.Host.DrainAsync(TimeSpan.FromMilliseconds(300));
            if (got.Length > 0)
            {
                // On a loaded machine an earlier publish can arrive within the same quiet window: each
                // one that arrives is the same whole line.
                const string Line = "+MQTTSUBRECV:0,\"r/t\",4,back\r\n";
                Assert.Equal(Show(string.Concat(Enumerable.Repeat(Line, Math.Max(1, got.Length / Line.Length)))), Show(got));
                break;
            }

            Assert.True(i < 20, "the restored subscription delivered nothing");
        }

        await m.CommandAsync("AT+MQTTCLEAN=0", Ok);
    }
}
