using System.Buffers;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;

namespace AtMqtt.Bench.Harness;

/// <summary>The baseline: a raw MQTTnet 5 client, used the plain way an application would.</summary>
internal static class RawMqtt
{
    public static async Task<IMqttClient> ConnectAsync(BrokerHandle broker, string clientId, CancellationToken cancellationToken = default)
    {
        var options = new MqttClientOptionsBuilder()
            .WithTcpServer(broker.Host, broker.Port)
            .WithClientId(clientId)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithCleanSession(true)
            .WithTimeout(TimeSpan.FromSeconds(30))
            .Build();
        var client = new MqttClientFactory().CreateMqttClient();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(TimeSpan.FromSeconds(30));
        var result = await client.ConnectAsync(options, cts.Token);
        if (result.ResultCode != MqttClientConnectResultCode.Success)
        {
            client.Dispose();
            throw new InvalidOperationException($"raw client {clientId}: {result.ResultCode}");
        }

        return client;
    }

    public static MqttApplicationMessage Message(string topic, byte[] payload, int qos) => new()
    {
        Topic = topic,
        Payload = new ReadOnlySequence<byte>(payload),
        QualityOfServiceLevel = (MqttQualityOfServiceLevel)qos,
    };

    public static async Task SubscribeAsync(IMqttClient client, string filter, int qos)
    {
        var options = new MqttClientSubscribeOptionsBuilder().WithTopicFilter(filter, (MqttQualityOfServiceLevel)qos).Build();
        var result = await client.SubscribeAsync(options);
        if (result.Items.Any(i => (int)i.ResultCode > 2))
        {
            throw new InvalidOperationException($"subscription to {filter} refused");
        }
    }

    public static async Task DisconnectAsync(IMqttClient client)
    {
        try
        {
            if (client.IsConnected)
            {
                using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cts.Token);
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Teardown only.
        }

        client.Dispose();
    }

    /// <summary>
    /// Publishes <paramref name="count"/> messages as fast as the client takes them: up to
    /// <paramref name="window"/> publishes in flight (so a QoS 1 stream is not limited by one
    /// round trip per message).
    /// </summary>
    public static async Task FloodAsync(IMqttClient client, string topic, byte[] payload, int qos, int count, int window = 64)
    {
        var message = Message(topic, payload, qos);
        var inFlight = new Queue<Task<MqttClientPublishResult>>(window);
        for (int i = 0; i < count; i++)
        {
            if (inFlight.Count == window)
            {
                Check(await inFlight.Dequeue());
            }

            inFlight.Enqueue(client.PublishAsync(message));
        }

        while (inFlight.Count > 0)
        {
            Check(await inFlight.Dequeue());
        }
    }

    private static void Check(MqttClientPublishResult result)
    {
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"publish failed: {result.ReasonCode}");
        }
    }
}
