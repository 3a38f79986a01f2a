using Xunit;

namespace AtMqtt.EndToEnd.Tests.Reliability;

/// <summary>
/// The mobile network's faults, started through the real program's control API, under the cellular profiles' MQTT
/// clients against mosquitto (docs/cellular.md, "The hook for the MQTT clients"): the host reads the module's lines
/// byte for byte, the broker publishes the will (an independent client sees it: the connection really dropped, with
/// no DISCONNECT), and once the fault ends the host opens the client again and publishes through it.
/// </summary>
public sealed class CellularNetworkFaultTests(MosquittoFixture mosquitto) : IClassFixture<MosquittoFixture>
{
    private const string QuectelBoot = "\r\nRDY\r\n\r\n+CPIN: READY\r\n\r\n+QUSIM: 1\r\n\r\n+QIND: SMS DONE\r\n";
    private const string SimcomBoot = "\r\n*ATREADY: 1\r\n\r\n+CPIN: READY\r\n\r\n+CGEV: EPS PDN ACT 1\r\n\r\nSMS DONE\r\n\r\nPB DONE\r\n";
    private const string Ok = "\r\nOK\r\n";
    private static readonly TimeSpan Timeout = AtMqttModem.DefaultTimeout;

    [Fact]
    public async Task Quectel_registration_lost_is_QMTSTAT_1_with_the_will_published_and_the_client_reopens_after_it()
    {
        await using var modem = await StartAsync("quectel-bg95");
        string topic = Unique.Topic("qnet");
        await using var probe = await modem.BrokerMessagesAsync($"{topic}/#");
        await using var host = await AttachAsync(modem, QuectelBoot);
        string id = Unique.Id("qnet");
        await host.OkAsync($"AT+QMTCFG=\"will\",0,1,1,0,\"{topic}/will\",\"gone\"");
        await ActionAsync(host, $"AT+QMTOPEN=0,\"127.0.0.1\",{mosquitto.Port}", "+QMTOPEN: 0,0");
        await ActionAsync(host, $"AT+QMTCONN=0,\"{id}\"", "+QMTCONN: 0,0,0");

        await using (await modem.FaultAsync("registration-lost"))
        {
            await host.ExpectBytesAsync("\r\n+QMTSTAT: 0,1\r\n", Timeout);
            var will = await probe.NextAsync(Timeout);
            Assert.Equal(($"{topic}/will", "gone"), (will.Topic, will.PayloadText));
            await ActionAsync(host, $"AT+QMTOPEN=0,\"127.0.0.1\",{mosquitto.Port}", "+QMTOPEN: 0,-1");
        }

        await ActionAsync(host, $"AT+QMTOPEN=0,\"127.0.0.1\",{mosquitto.Port}", "+QMTOPEN: 0,0");
        await ActionAsync(host, $"AT+QMTCONN=0,\"{id}\"", "+QMTCONN: 0,0,0");
        await ActionAsync(host, $"AT+QMTPUBEX=0,1,1,0,\"{topic}/back\",\"again\"", "+QMTPUB: 0,1,0");
        var back = await probe.NextAsync(Timeout);
        Assert.Equal(($"{topic}/back", "again"), (back.Topic, back.PayloadText));
    }

    [Fact]
    public async Task Simcom_pdp_deactivated_is_CONNLOST_3_and_NONET_with_the_will_published_and_the_client_reconnects_after_it()
    {
        await using var modem = await StartAsync("simcom-a7670");
        string topic = Unique.Topic("snet");
        await using var probe = await modem.BrokerMessagesAsync($"{topic}/#");
        await using var host = await AttachAsync(modem, SimcomBoot);
        string id = Unique.Id("snet");
        string will = $"{topic}/will";
        await ActionAsync(host, "AT+CMQTTSTART", "+CMQTTSTART: 0");
        await host.OkAsync($"AT+CMQTTACCQ=0,\"{id}\"");
        await EnterAsync(host, $"AT+CMQTTWILLTOPIC=0,{will.Length}", will);
        await EnterAsync(host, "AT+CMQTTWILLMSG=0,4,1", "gone");
        await ActionAsync(host, $"AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:{mosquitto.Port}\",60,1", "+CMQTTCONNECT: 0,0");

        await using (await modem.FaultAsync("pdp-deactivated"))
        {
            await host.ExpectBytesAsync("\r\n+CGEV: NW PDN DEACT 1\r\n\r\n+CMQTTCONNLOST: 0,3\r\n\r\n+CMQTTNONET\r\n", Timeout);
            var gone = await probe.NextAsync(Timeout);
            Assert.Equal((will, "gone"), (gone.Topic, gone.PayloadText));
        }

        // The network gives contexts again; the host brings its bearer up, starts the service and connects.
        await host.OkAsync("AT+CGACT=1,1");
        await ActionAsync(host, "AT+CMQTTSTART", "+CMQTTSTART: 0");
        await ActionAsync(host, $"AT+CMQTTCONNECT=0,\"tcp://127.0.0.1:{mosquitto.Port}\",60,1", "+CMQTTCONNECT: 0,0");
        string back = $"{topic}/back";
        await EnterAsync(host, $"AT+CMQTTTOPIC=0,{back.Length}", back);
        await EnterAsync(host, "AT+CMQTTPAYLOAD=0,5", "again");
        await ActionAsync(host, "AT+CMQTTPUB=0,1,60", "+CMQTTPUB: 0,0");
        var message = await probe.NextAsync(Timeout);
        Assert.Equal((back, "again"), (message.Topic, message.PayloadText));
    }

    private Task<AtMqttModem> StartAsync(string profile) => AtMqttModem.StartAsync(new AtMqttModemOptions
    {
        Profile = profile,
        Broker = new BrokerEndpoint(FreePort.Host, mosquitto.Port),
        Arguments = ["--result-delay", "0"],
    });

    /// <summary>A host that has read the module's boot lines (a cellular module writes them where a Wi-Fi one writes ready).</summary>
    private static async Task<AtHost> AttachAsync(AtMqttModem modem, string boot)
    {
        var host = new AtHost(await modem.OpenHostStreamAsync());
        try
        {
            await host.ExpectBytesAsync(boot, Timeout);
            return host;
        }
        catch
        {
            await host.DisposeAsync();
            throw;
        }
    }

    /// <summary>OK now, the result URC after it.</summary>
    private static async Task ActionAsync(AtHost host, string line, string urc)
    {
        await host.ExpectAsync(line, Ok, Timeout);
        await host.ExpectBytesAsync("\r\n" + urc + "\r\n", Timeout);
    }

    /// <summary>A SIMCom data entry: the prompt, exactly the bytes, OK.</summary>
    private static async Task EnterAsync(AtHost host, string line, string data)
    {
        await host.SendAsync(line + "\r\n");
        await host.ExpectBytesAsync(line + "\r\n\r\n>", Timeout);
        await host.SendAsync(data);
        await host.ExpectBytesAsync(Ok, Timeout);
    }
}
