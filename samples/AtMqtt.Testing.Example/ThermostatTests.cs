using AtMqtt.Testing;
using Xunit;

namespace Example;

public class ThermostatTests
{
    [Theory]
    [InlineData(false)] // the atmqtt program (found on PATH or through $ATMQTT), on a free TCP port
    [InlineData(true)] // the same modem engine inside the test process
    public async Task A_reading_taken_while_the_wifi_is_down_arrives_once_it_is_back(bool inProcess)
    {
        await using IAtMqttModem modem = inProcess ? await AtMqttModem.StartInProcessAsync() : await AtMqttModem.StartAsync();
        await using var readings = await modem.BrokerMessagesAsync("home/+/temperature");
        await using var thermostat = await Thermostat.StartAsync(await modem.OpenHostStreamAsync(), modem.Broker!.Host, modem.Broker.Port);

        Task report;
        await using (await modem.FaultAsync("wifi-drop")) // the network is down until this block ends
        {
            await modem.WaitForAsync(e => e.IsState("link", "reconnecting"));
            report = thermostat.ReportAsync(21.5);
            await modem.WaitForAsync(e => e.IsLine(AtMqttEvent.ToHost, "ERROR")); // the module refused it
        }

        await modem.WaitForAsync(e => e.IsLine(AtMqttEvent.ToHost, "+MQTTCONNECTED")); // the module reconnected
        await report; // and the reading was sent again
        Assert.Equal("21.5", (await readings.NextAsync()).PayloadText);
    }
}
