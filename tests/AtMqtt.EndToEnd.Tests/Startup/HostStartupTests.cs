using System.Text;
using AtMqtt.Core;
using AtMqtt.Core.Dialects;
using Xunit;

namespace AtMqtt.EndToEnd.Tests.Startup;

/// <summary>
/// What real host firmware does from power-on, in each dialect, against mosquitto: factory reset,
/// echo off, station mode, join the access point, SNTP, MQTT configuration with a will, connect,
/// subscribe, publish raw, receive a downlink, then poll the state for a while; finally the module
/// loses power (seed: AT+RST in process; esp-at: the atmqtt process is killed) and the broker
/// publishes the will, whose bytes are checked exactly. Wi-Fi is required (--require-wifi).
/// </summary>
public sealed class HostStartupTests
{
    private const string Ssid = "HomeNet";
    private const string Password = "s3cr\"t,pw";

    /// <summary>The will as the host escapes it, and the bytes the broker must publish.</summary>
    private const string WillEscaped = "{\\\"status\\\":\\\"offline\\\"\\,\\\"reason\\\":\\\"power\\\"}";
    private const string WillBytes = "{\"status\":\"offline\",\"reason\":\"power\"}";

    [Fact]
    public async Task Seed_host_start_up_and_will_on_reset()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        var options = new ModemOptions
        {
            Dialect = Dialect.Seed,
            Wifi = (Ssid, Password),
            RequireWifi = true,
            DataTimeout = TimeSpan.FromSeconds(5),
        };
        await using var m = await InMemoryModem.StartAsync(options);
        var device = new Device(m.Host, broker.Port, Dialect.Seed);
        await device.StartUpAsync();
        await device.PollAsync();

        // Power loss as the modem sees it: AT+RST cuts the socket without DISCONNECT.
        await device.Probe.SubscribeAsync(device.WillTopic, 1);
        await m.Host.SendAsync("AT+RST\r\n");
        Assert.Equal("\r\nOK\r\nready\r\n", await m.Host.ReadUntilAsync("ready\r\n"));
        await device.AssertWillAsync();
        await device.Probe.DisposeAsync();
    }

    [Fact]
    public async Task Esp_at_host_start_up_and_will_when_the_module_dies()
    {
        await using var broker = await MosquittoBroker.StartAsync();
        int tcp = FreePort.Get();
        await using var modem = await ModemProcess.StartAsync(
            "--dialect", "esp-at", "--tcp", $"127.0.0.1:{tcp}", "--wifi", $"{Ssid}:{Password}", "--require-wifi", "--log-level", "Warning");
        await using var host = await AtHost.ConnectAsync(tcp);
        Assert.Equal("ready\r\n", await host.ReadUntilAsync("ready\r\n"));
        var device = new Device(host, broker.Port, Dialect.EspAt());
        await device.StartUpAsync();
        await device.PollAsync();

        await device.Probe.SubscribeAsync(device.WillTopic, 1);
        modem.Kill();
        await device.AssertWillAsync();
        await device.Probe.DisposeAsync();
    }

    /// <summary>The host firmware: every exchange asserted byte for byte.</summary>
    private sealed class Device(AtHost host, int brokerPort, Dialect dialect)
    {
        private const string Ok = "\r\nOK\r\n";

        private readonly string _id = Unique.Id("device");
        private readonly string _topic = Unique.Topic("dev");

        public string WillTopic => _topic + "/status";

        public MqttProbe Probe { get; private set; } = null!;

        private bool EspAt => dialect.NumericState;

        private string Port => EspAt ? $"\"{brokerPort}\"" : brokerPort.ToString(System.Globalization.CultureInfo.InvariantCulture);

        private string PathField => EspAt ? "\"\"," : "";

        public async Task StartUpAsync()
        {
            // Factory settings and a restart: OK, then ready (echo is on again).
            await ExpectAsync("AT+RESTORE", "AT+RESTORE\r\n\r\nOK\r\nready\r\n", "ready\r\n");
            await ExpectAsync("ATE0", "ATE0\r\n\r\nOK\r\n");
            await ExpectAsync("AT", Ok);

            // Before joining, MQTT cannot connect (--require-wifi) and a wrong password is refused.
            await ExpectAsync($"AT+MQTTUSERCFG=0,1,\"{_id}\",\"user\",\"pass\",0,0,\"\"", Ok);
            await ExpectAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{brokerPort},1", "+MQTTDISCONNECTED:0\r\n\r\nERROR\r\n");
            await ExpectAsync("AT+MQTTCLEAN=0", Ok);
            await ExpectAsync("AT+CWMODE=1", Ok);
            await ExpectAsync("AT+CWJAP=\"HomeNet\",\"wrong\"", "+CWJAP:2\r\n\r\nERROR\r\n");
            await ExpectAsync("AT+CWJAP=\"HomeNet\",\"s3cr\\\"t\\,pw\"", "WIFI CONNECTED\r\nWIFI GOT IP\r\n\r\nOK\r\n");
            await ExpectAsync("AT+CWSTATE?", "+CWSTATE:2,\"HomeNet\"\r\n" + Ok);

            // SNTP: OK, then +TIME_UPDATED once the (simulated) sync is done.
            await ExpectAsync("AT+CIPSNTPCFG=1,0,\"pool.ntp.org\"", Ok);
            Assert.Equal("+TIME_UPDATED\r\n", await host.ReadUntilAsync("+TIME_UPDATED\r\n"));
            string time = await host.CommandAsync("AT+CIPSNTPTIME?");
            Assert.Matches(@"^\+CIPSNTPTIME:[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d 20\d\d\r\n\r\nOK\r\n$", time);

            await ExpectAsync($"AT+MQTTUSERCFG=0,1,\"{_id}\",\"user\",\"pass\",0,0,\"\"", Ok);
            await ExpectAsync($"AT+MQTTCONNCFG=0,60,0,\"{WillTopic}\",\"{WillEscaped}\",1,0", Ok);
            await ExpectAsync($"AT+MQTTCONN=0,\"127.0.0.1\",{brokerPort},1",
                $"+MQTTCONNECTED:0,1,\"127.0.0.1\",{Port},{PathField}1\r\n" + Ok);

            Probe = await MqttProbe.ConnectAsync(FreePort.Host, brokerPort);
            await Probe.SubscribeAsync(_topic + "/up", 1);

            await ExpectAsync($"AT+MQTTSUB=0,\"{_topic}/down\",1", Ok);

            // Uplink: raw JSON, commas and quotes unescaped after the prompt.
            const string uplink = "{\"t\":21.5,\"h\":40}";
            await ExpectAsync($"AT+MQTTPUBRAW=0,\"{_topic}/up\",{uplink.Length},1,0", "\r\nOK\r\n\r\n>", "\r\n>");
            await host.SendAsync(uplink);
            string result = EspAt ? "+MQTTPUB:OK" : "+MQTTPUBRAW:OK";
            Assert.Equal($"\r\n{result}\r\n", Encoding.Latin1.GetString(await host.ReadExactlyAsync(result.Length + 4)));
            var up = await Probe.NextAsync();
            Assert.Equal(uplink, up.PayloadText);

            // Downlink.
            await Probe.PublishAsync(_topic + "/down", "{\"led\":\"on\"}", 1);
            string line = $"+MQTTSUBRECV:0,\"{_topic}/down\",12,{{\"led\":\"on\"}}\r\n";
            Assert.Equal(line, Encoding.Latin1.GetString(await host.ReadExactlyAsync(line.Length)));
        }

        /// <summary>The main loop's periodic status polls.</summary>
        public async Task PollAsync()
        {
            string state = EspAt ? "6" : "connected";
            for (int i = 0; i < 5; i++)
            {
                await ExpectAsync("AT+MQTTCONN?", $"+MQTTCONN:0,{state},1,\"127.0.0.1\",{Port},{PathField}1\r\n" + Ok);
                await ExpectAsync("AT+MQTTSUB?", $"+MQTTSUB:0,{state},\"{_topic}/down\",1\r\n" + Ok);
                await Task.Delay(50); // the host's poll period, not a wait: nothing depends on it
            }
        }

        public async Task AssertWillAsync()
        {
            var will = await Probe.NextAsync(TimeSpan.FromSeconds(10));
            Assert.Equal(WillTopic, will.Topic);
            Assert.Equal(Encoding.UTF8.GetBytes(WillBytes), will.Payload);
            Assert.Equal(1, will.Qos);
        }

        private async Task ExpectAsync(string command, string response, string? until = null)
        {
            await host.SendAsync(command + "\r\n");
            string got = until is null
                ? await host.ReadUntilAnyAsync(AtHost.FinalResults)
                : await host.ReadUntilAsync(until);
            Assert.True(response == got, $"{command}: expected \"{AtHost.Escape(response)}\" but got \"{AtHost.Escape(got)}\"");
        }
    }
}
