using AtMqtt.Core.Parsing;
using Xunit;

namespace AtMqtt.EndToEnd.Tests.Reliability;

/// <summary>
/// Faults injected into the real program through its control API, as a user's test does it: with the
/// AtMqtt.Testing package's public API (<see cref="AtMqttModem"/>, fault handles, event waits, its broker clients),
/// against mosquitto. What the host reads, byte for byte; what the broker saw (the will of a cut link, which
/// publishes reached it), through an independent client; and the modem healthy afterwards.
/// </summary>
public sealed class ProgramFaultTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    private static readonly TimeSpan Timeout = AtMqttModem.DefaultTimeout;

    // A reconnection waits out the link's backoff (1 s, 2 s, 4 s... while the fault lasts) on a loaded machine.
    private static readonly TimeSpan Reconnection = TimeSpan.FromSeconds(40);

    [Fact]
    public async Task A_wifi_drop_cuts_the_link_refuses_publishes_and_the_link_comes_back_when_it_ends()
    {
        await using var rig = await Rig.StartAsync(mosquitto);
        var (modem, host) = (rig.Modem, rig.Host);
        await using (await modem.FaultAsync("wifi-drop"))
        {
            await host.ExpectBytesAsync("WIFI DISCONNECT\r\n+MQTTDISCONNECTED:0\r\n", Timeout);
            await rig.ExpectWillAsync();
            await modem.WaitForAsync(e => e.IsState("link", "reconnecting"));
            await host.ExpectAsync($"AT+MQTTPUB=0,\"{rig.Topic}\",\"lost\",1,0", "\r\nERROR\r\n");
        }

        await host.ExpectBytesAsync("WIFI CONNECTED\r\nWIFI GOT IP\r\n", Timeout);
        await host.ExpectBytesAsync(LiveModem.ConnectedUrc(mosquitto.Port, 1), Reconnection);
        await modem.WaitForAsync(e => e.IsState("link", "connected"));
        Assert.Equal(1, (await modem.StateAsync()).Counters.Reconnects);
        await rig.AssertHealthyAsync();
    }

    [Fact]
    public async Task Broker_unreachable_for_two_seconds_cuts_the_link_and_a_retry_after_it_gets_through()
    {
        await using var rig = await Rig.StartAsync(mosquitto);
        var (modem, host) = (rig.Modem, rig.Host);
        var fault = await modem.FaultAsync("broker-unreachable", seconds: 2);
        Assert.NotNull(fault.Info.Ends);

        await host.ExpectBytesAsync("+MQTTDISCONNECTED:0\r\n", Timeout);
        await rig.ExpectWillAsync();
        await modem.WaitForAsync(e => e.IsFault("broker-unreachable", "ended") && e.Id == fault.Id);
        await host.ExpectBytesAsync(LiveModem.ConnectedUrc(mosquitto.Port, 1), Reconnection);
        Assert.False(await fault.EndAsync()); // it had ended by itself
        await rig.AssertHealthyAsync();
    }

    [Fact]
    public async Task Error_and_publish_fail_answer_as_asked_and_nothing_reaches_the_broker()
    {
        await using var rig = await Rig.StartAsync(mosquitto);
        var (modem, host) = (rig.Modem, rig.Host);
        await host.OkAsync("AT+SYSLOG=1");

        await modem.FaultAsync("error", command: "AT+MQTTPUB", code: "0x01090000");
        await host.ExpectAsync($"AT+MQTTPUB=0,\"{rig.Topic}\",\"lost1\",1,0", "ERR CODE:0x01090000\r\n\r\nERROR\r\n");
        await modem.FaultAsync("publish-fail", count: 1);
        await host.ExpectAsync($"AT+MQTTPUB=0,\"{rig.Topic}\",\"lost2\",1,0", InMemoryModem.Err(ErrorCode.Mqtt(MqttError.PublishFailed)));

        // Both were used up; neither publish reached the broker: the next message is the first the broker delivers.
        Assert.Empty((await modem.StateAsync()).Faults);
        await rig.AssertHealthyAsync();
    }

    [Fact]
    public async Task A_message_published_to_the_device_during_a_broker_stall_arrives_after_it()
    {
        await using var rig = await Rig.StartAsync(mosquitto);
        var (modem, host) = (rig.Modem, rig.Host);
        string down = Unique.Topic("down");
        await host.OkAsync($"AT+MQTTSUB=0,\"{down}\",1");

        await using (await modem.FaultAsync("broker-stall", seconds: 600))
        {
            await modem.PublishToDeviceAsync(down, "held", qos: 1); // the broker has it; the stalled link does not pass it

            // A bounded quiet period: no marker can show a message that does not come.
            Assert.Equal("", await host.DrainAsync(TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)));
        }

        await host.ExpectBytesAsync($"+MQTTSUBRECV:0,\"{down}\",4,held\r\n", Timeout);
        await rig.AssertHealthyAsync();
    }

    /// <summary>The program (against mosquitto), a host with its link connected (reconnect 1, a will), a topic the broker side watches.</summary>
    private sealed class Rig : IAsyncDisposable
    {
        private Rig(AtMqttModem modem, AtHost host, MqttProbe probe, string topic, string will)
        {
            Modem = modem;
            Host = host;
            Probe = probe;
            Topic = topic;
            Will = will;
        }

        public AtMqttModem Modem { get; }

        public AtHost Host { get; }

        public MqttProbe Probe { get; }

        public string Topic { get; }

        public string Will { get; }

        public static async Task<Rig> StartAsync(MosquittoFixture mosquitto)
        {
            var modem = await AtMqttModem.StartAsync(new AtMqttModemOptions { Broker = new BrokerEndpoint(FreePort.Host, mosquitto.Port) });
            try
            {
                string topic = Unique.Topic("fault");
                string will = Unique.Topic("will");
                var probe = await modem.BrokerMessagesAsync(topic);
                await probe.SubscribeAsync(will, 1);
                var host = await modem.AttachAtHostAsync();
                await host.ConnectLinkAsync(Unique.Id("fault"), mosquitto.Port, reconnect: 1, connCfg: $"AT+MQTTCONNCFG=0,60,0,\"{will}\",\"gone\",1,0");
                return new Rig(modem, host, probe, topic, will);
            }
            catch
            {
                await modem.DisposeAsync();
                throw;
            }
        }

        /// <summary>The broker published the will: the link was cut without DISCONNECT.</summary>
        public async Task ExpectWillAsync()
        {
            var message = await Probe.NextAsync(Timeout);
            Assert.Equal((Will, "gone"), (message.Topic, message.PayloadText));
        }

        /// <summary>AT answers OK, and a QoS 1 publish is the next message the broker delivers.</summary>
        public async Task AssertHealthyAsync()
        {
            await Host.OkAsync("AT");
            string payload = "healthy-" + Guid.NewGuid().ToString("N")[..6];
            await Host.OkAsync($"AT+MQTTPUB=0,\"{Topic}\",\"{payload}\",1,0", Reconnection);
            var message = await Probe.NextAsync(Timeout);
            Assert.Equal((Topic, payload), (message.Topic, message.PayloadText));
        }

        public async ValueTask DisposeAsync()
        {
            await Host.DisposeAsync();
            await Modem.DisposeAsync(); // the probe with it
        }
    }
}
