using Xunit;

namespace AtMqtt.EndToEnd.Tests.Integration;

/// <summary>disable_clean_session=1: QoS 1 messages queued while the modem was away arrive after the next CONN.</summary>
public sealed class PersistentSessionTests
{
    public enum Away
    {
        /// <summary>The modem process is killed (power loss).</summary>
        Killed,

        /// <summary>AT+MQTTCLEAN=0: DISCONNECT, which keeps a clean_session=0 session on the broker.</summary>
        Cleaned,
    }

    [Theory]
    [InlineData(BrokerKind.Embedded, Away.Killed)]
    [InlineData(BrokerKind.Embedded, Away.Cleaned)]
    [InlineData(BrokerKind.Mosquitto, Away.Killed)]
    [InlineData(BrokerKind.Mosquitto, Away.Cleaned)]
    public async Task PersistentSession_DeliversQos1MessagesQueuedWhileTheModemWasAway(BrokerKind kind, Away away)
    {
        await using var broker = await TestBroker.StandaloneAsync(kind);
        string clientId = Unique.Id("persist");
        string topic = Unique.Topic("persist");
        const string connCfg = "AT+MQTTCONNCFG=0,60,1,\"\",\"\",0,0";

        await using (var first = await LiveModem.StartAsync())
        {
            await first.ConnectLinkAsync(clientId, broker.Port, connCfg: connCfg);
            await first.OkAsync($"AT+MQTTSUB=0,\"{topic}\",1");
            if (away == Away.Cleaned)
            {
                await first.OkAsync("AT+MQTTCLEAN=0");
            }

            first.Process.Kill();
            await first.Process.WaitForExitAsync(LiveModem.Timeout);
        }

        string[] queued = ["queued-1", "queued, \"2\"", "queued\r\n3\0"];
        await using (var probe = await broker.ProbeAsync())
        {
            foreach (var payload in queued)
            {
                await probe.PublishAsync(topic, System.Text.Encoding.Latin1.GetBytes(payload), 1, retain: false);
            }
        }

        await using var second = await LiveModem.StartAsync();
        await second.ConnectLinkAsync(clientId, broker.Port, connCfg: connCfg);
        foreach (var payload in queued)
        {
            await second.ExpectBytesAsync(LiveModem.SubRecv(topic, payload));
        }

        // Each exactly once, and the host is still in step.
        await ExpectOnlyAMarkerNextAsync(broker, second, topic);
        await second.OkAsync("AT");
    }

    /// <summary>
    /// "Nothing lost on the way in": a QoS 1 message that reached the modem while no host was attached
    /// is not acknowledged, so when the modem dies the broker delivers it again to the next session.
    /// </summary>
    [Theory]
    [InlineData(BrokerKind.Embedded)]
    [InlineData(BrokerKind.Mosquitto)]
    public async Task Qos1MessageNotYetWrittenToAHost_SurvivesAModemCrash(BrokerKind kind)
    {
        await using var broker = await TestBroker.StandaloneAsync(kind);
        string clientId = Unique.Id("crash");
        string topic = Unique.Topic("crash");
        const string connCfg = "AT+MQTTCONNCFG=0,60,1,\"\",\"\",0,0";

        await using (var proxy = TcpProxy.Start(broker.Port))
        await using (var first = await LiveModem.StartAsync())
        {
            await first.ConnectLinkAsync(clientId, proxy.Port, connCfg: connCfg);
            await first.OkAsync($"AT+MQTTSUB=0,\"{topic}\",1");
            await first.DetachAsync();
            await using (var probe = await broker.ProbeAsync())
            {
                await probe.PublishAsync(topic, "held, not acked", 1, retain: false);
            }

            // It reaches the modem, where it waits for a host that never comes, unacknowledged.
            await proxy.WaitForPacketsToClientAsync(Publish, 1, LiveModem.Timeout);
            first.Process.Kill();
            await first.Process.WaitForExitAsync(LiveModem.Timeout);
            Assert.Equal(0, proxy.PacketsToBroker(PubAck));
        }

        await using var second = await LiveModem.StartAsync();
        await second.ConnectLinkAsync(clientId, broker.Port, connCfg: connCfg);
        await second.ExpectBytesAsync(LiveModem.SubRecv(topic, "held, not acked"));

        // Delivered once.
        await ExpectOnlyAMarkerNextAsync(broker, second, topic);
    }

    /// <summary>
    /// Publishes a marker to <paramref name="topic"/> and asserts that its line is the next thing the host reads:
    /// the broker sends what it held before anything newer, so a second delivery of a held message would come first.
    /// </summary>
    private static async Task ExpectOnlyAMarkerNextAsync(TestBroker broker, LiveModem modem, string topic)
    {
        await using (var probe = await broker.ProbeAsync())
        {
            await probe.PublishAsync(topic, "marker", 1, retain: false);
        }

        await modem.ExpectBytesAsync(LiveModem.SubRecv(topic, "marker"));
    }

    /// <summary>MQTT's PUBLISH packet type.</summary>
    private const int Publish = 3;

    /// <summary>MQTT's PUBACK packet type.</summary>
    private const int PubAck = 4;
}
