using System.Buffers.Text;
using System.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.Client.Tests;

/// <summary>
/// 100 000 messages published at QoS 1 by an independent MQTTnet client reach the application through the
/// modem and the client, none missing and none twice.
/// </summary>
public sealed class ThroughputTests(BrokersFixture brokers, ITestOutputHelper output) : IClassFixture<BrokersFixture>
{
    private const int Count = 100_000;
    private const int Publishers = 16;

    public static TheoryData<ModemTransport, AtDialect, BrokerKind> Cases()
    {
        var data = new TheoryData<ModemTransport, AtDialect, BrokerKind>();
        foreach (var transport in ModemForClient.Transports)
        {
            if (transport == ModemTransport.InProcess)
            {
                data.Add(transport, AtDialect.EspAt, BrokerKind.InProcess);
            }
            else
            {
                data.Add(transport, AtDialect.Seed, BrokerKind.Mosquitto);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task A_hundred_thousand_messages_arrive_none_missing(ModemTransport transport, AtDialect dialect, BrokerKind broker)
    {
        await using var modem = await ModemForClient.StartAsync(transport, dialect);
        await using var client = await modem.ConnectClientAsync();
        string topic = Unique.Topic("flood");
        await client.ConnectAsync(new AtMqttConnectOptions { Host = FreePort.Host, Port = brokers.Port(broker) });
        await client.SubscribeAsync(topic, MqttQos.AtLeastOnce);
        await using var publisher = await brokers.ProbeAsync(broker);

        var watch = Stopwatch.StartNew();
        var seen = new bool[Count];
        int unique = 0, duplicates = 0;
        var receive = Task.Run(async () =>
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            await foreach (var message in client.ReadMessagesAsync(cts.Token))
            {
                Assert.True(Utf8Parser.TryParse(message.Payload.Span, out int index, out _), message.PayloadText);
                if (seen[index])
                {
                    duplicates++;
                }
                else
                {
                    seen[index] = true;
                    if (++unique == Count)
                    {
                        return;
                    }
                }
            }
        });

        var publish = Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
        {
            for (int i = p; i < Count; i += Publishers)
            {
                await publisher.PublishAsync(topic, i.ToString(System.Globalization.CultureInfo.InvariantCulture), 1);
            }
        }));
        await Task.WhenAll(publish);
        var published = watch.Elapsed;
        try
        {
            await receive;
        }
        catch (OperationCanceledException)
        {
            Assert.Fail($"Only {unique} of {Count} messages arrived in 120 s; first missing: {Array.IndexOf(seen, false)}");
        }

        output.WriteLine($"{modem}/{broker}: published in {published.TotalSeconds:0.0} s, all received in {watch.Elapsed.TotalSeconds:0.0} s ({Count / watch.Elapsed.TotalSeconds:0} msg/s), {duplicates} duplicates");
        Assert.Equal(Count, unique);
        Assert.Equal(0, duplicates);

        // The link is still healthy afterwards.
        await client.PublishAsync(topic, "done", MqttQos.AtLeastOnce);
    }
}
