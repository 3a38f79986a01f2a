using System.Globalization;
using AtMqtt.Client;

namespace Example;

/// <summary>
/// The code under test: a thermostat's firmware logic, reporting temperatures through an MQTT AT module. A
/// reading taken while the network is down is not lost: it is sent again until the module's link is back.
/// </summary>
public sealed class Thermostat(AtMqttClient mqtt) : IAsyncDisposable
{
    public const string Topic = "home/livingroom/temperature";

    /// <summary>Talks to the module on <paramref name="uart"/> and connects it to the broker, reconnecting by itself.</summary>
    public static async Task<Thermostat> StartAsync(Stream uart, string brokerHost, int brokerPort)
    {
        var mqtt = new AtMqttClient(uart);
        await mqtt.InitializeAsync();
        await mqtt.ConnectAsync(new AtMqttConnectOptions
        {
            Host = brokerHost,
            Port = brokerPort,
            ClientId = "thermostat-livingroom",
            AutoReconnect = true,
        });
        return new Thermostat(mqtt);
    }

    /// <summary>Publishes a reading (QoS 1); while the module answers ERROR (no link), tries again.</summary>
    public async Task ReportAsync(double celsius)
    {
        while (true)
        {
            try
            {
                await mqtt.PublishAsync(Topic, celsius.ToString(CultureInfo.InvariantCulture), MqttQos.AtLeastOnce);
                return;
            }
            catch (AtCommandException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250)); // the module reconnects by itself
            }
        }
    }

    public ValueTask DisposeAsync() => mqtt.DisposeAsync();
}
