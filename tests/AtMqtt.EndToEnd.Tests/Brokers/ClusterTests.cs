using System.Net;
using System.Text;
using Xunit;
using Xunit.Abstractions;

namespace AtMqtt.EndToEnd.Tests.Brokers;

/// <summary>
/// atmqtt against a 2-node RabbitMQ cluster (the rabbitmq_mqtt plugin) on loopback: modems on both nodes, messages
/// across nodes, and a node restart under a persistent session (docs/brokers.md).
/// </summary>
[Collection(RabbitMqCollection.Name)]
public sealed class ClusterTests(RabbitMqClusterFixture rabbit, ITestOutputHelper output)
{
    private const string PersistentSession = "AT+MQTTCONNCFG=0,60,1,\"\",\"\",0,0";

    /// <summary>Long enough for a node to stop and boot again on a loaded machine, and for the modem's backoff after it.</summary>
    private static readonly TimeSpan NodeRestartTimeout = TimeSpan.FromSeconds(180);

    [Fact]
    public async Task Cluster_HasBothNodesRunning_AndListensOnLoopbackOnly()
    {
        var cluster = rabbit.Cluster;
        output.WriteLine($"cluster start (2 nodes booted side by side, the second joined with rabbitmqctl): {cluster.StartTime.TotalSeconds:0.0} s");

        string status = await cluster.CtlAsync(rabbit.A, "cluster_status");
        string running = status[status.IndexOf("Running Nodes", StringComparison.Ordinal)..];
        Assert.Contains(rabbit.A.Name, running, StringComparison.Ordinal);
        Assert.Contains(rabbit.B.Name, running, StringComparison.Ordinal);

        // Every socket the cluster's processes listen on (epmd, each node's VM) is on loopback, and the
        // ports are the ones it was given.
        var epmd = TcpSockets.ListeningOf(cluster.EpmdPid);
        Assert.Contains(epmd, e => e.Port == cluster.EpmdPort);
        foreach (var node in cluster.Nodes)
        {
            int vm = ChildOf(node.ScriptPid);
            var listening = TcpSockets.ListeningOf(vm);
            output.WriteLine($"{node.Name} (pid {vm}) listens on {string.Join(", ", listening)}");
            Assert.Equal(
                new[] { node.AmqpPort, node.MqttPort, node.DistPort }.Order(),
                listening.Select(e => e.Port).Order());
            epmd.AddRange(listening);
        }

        Assert.All(epmd, e => Assert.True(IPAddress.IsLoopback(e.Address), $"{e} is not a loopback address"));
    }

    [Fact]
    public async Task ModemsOnBothNodes_AMessagePublishedThroughOneNode_ReachesSubscribersOnTheOther()
    {
        string topic = Unique.Topic("cluster");
        await using var onA = await LiveModem.StartAsync();
        await using var onB = await LiveModem.StartAsync();
        await onA.ConnectLinkAsync(Unique.Id("on-a"), rabbit.A.MqttPort);
        await onB.ConnectLinkAsync(Unique.Id("on-b"), rabbit.B.MqttPort);
        await onA.OkAsync($"AT+MQTTSUB=0,\"{topic}/to-a\",1");
        await onB.OkAsync($"AT+MQTTSUB=0,\"{topic}/to-b\",1");
        await using var probeA = await rabbit.A.ProbeAsync();
        await using var probeB = await rabbit.B.ProbeAsync();
        await probeA.SubscribeAsync($"{topic}/#", 1);
        await probeB.SubscribeAsync($"{topic}/#", 1);

        // The modem on node A publishes; the modem on node B and a client of each node get it.
        await onA.OkAsync($"AT+MQTTPUB=0,\"{topic}/to-b\",\"from node a\",1,0");
        await onB.ExpectBytesAsync(LiveModem.SubRecv($"{topic}/to-b", "from node a"));
        foreach (var probe in new[] { probeA, probeB })
        {
            var m = await probe.NextAsync(LiveModem.Timeout);
            Assert.Equal(($"{topic}/to-b", "from node a", 1), (m.Topic, m.PayloadText, m.Qos));
        }

        // And the other way, QoS 0 this time, raw bytes through the data phase.
        string raw = $"AT+MQTTPUBRAW=0,\"{topic}/to-a\",12,0,0";
        await onB.Host.SendAsync(raw + "\r\n");
        await onB.ExpectBytesAsync(raw + "\r\n\r\nOK\r\n\r\n>");
        await onB.Host.SendAsync("from\r\nnode b");
        await onB.ExpectBytesAsync("\r\n+MQTTPUBRAW:OK\r\n");
        await onA.ExpectBytesAsync(LiveModem.SubRecv($"{topic}/to-a", "from\r\nnode b"));
        foreach (var probe in new[] { probeA, probeB })
        {
            var m = await probe.NextAsync(LiveModem.Timeout);
            Assert.Equal(($"{topic}/to-a", "from\r\nnode b"), (m.Topic, m.PayloadText));
        }
    }

    /// <summary>
    /// The modem's session lives on node B (clean session 0: a durable queue there, <c>mqtt-subscription-&lt;id&gt;qos1</c>),
    /// its publisher is a client of node A. Node B stops in order and boots again; the modem (reconnect=1) finds its
    /// session again. Every QoS 1 message published while node B was up reaches the host: before the stop, in the
    /// queue or on its way at the stop, and after the restart. QoS 1 allows a message twice (redelivered when its
    /// PUBACK was lost with the connection), so duplicates are counted, not failed (none seen here). The five
    /// published while node B is down are acknowledged (PUBACK) all the same, and are lost unless the queue is
    /// mirrored to node A (a classic mirrored queue policy, <paramref name="mirrored"/>): RabbitMQ routes them to a
    /// queue that is not there.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task NodeRestart_WithReconnectAndAPersistentSession_DeliversEveryQos1MessageTheQueueCouldTake(bool mirrored)
    {
        string topic = Unique.Topic("restart");
        string clientId = Unique.Id(mirrored ? "restart-mirrored" : "restart");
        string policy = "atmqtt-" + clientId;
        if (mirrored)
        {
            // Before the queue exists, so that its mirror on node A is in step from the start.
            await rabbit.Cluster.CtlAsync(rabbit.A, "set_policy", "--apply-to", "queues", policy, $"^mqtt-subscription-{clientId}qos1$", "{\"ha-mode\":\"all\"}");
        }

        try
        {
            await using var publisher = await rabbit.A.ProbeAsync();
            await using var modem = await LiveModem.StartAsync();
            await modem.ConnectLinkAsync(clientId, rabbit.B.MqttPort, reconnect: 1, connCfg: PersistentSession);
            await modem.OkAsync($"AT+MQTTSUB=0,\"{topic}\",1");
            var whileUp = new List<string>();

            // Before: read by the host as they come.
            for (int i = 0; i < 10; i++)
            {
                await PublishAsync(publisher, topic, i, whileUp);
            }

            var host = new HostStream();
            var read = new List<HostItem>();
            read.AddRange(host.Feed(await modem.Host.ReadUntilAsync(LiveModem.SubRecv(topic, Payload(9)), LiveModem.Timeout)));

            // Then 10 more, and the node stops at once: each is in the queue, on its way, or read already.
            for (int i = 10; i < 20; i++)
            {
                await PublishAsync(publisher, topic, i, whileUp);
            }

            await rabbit.B.StopAsync();

            // While node B is down, through node A.
            var down = await Task.WhenAll(Enumerable.Range(20, 5).Select(i => TryPublishAsync(publisher, topic, i)));
            output.WriteLine("published while node B was down: " + string.Join(", ", down.Select(d => $"{d.Payload}={d.Outcome}")));

            await rabbit.B.StartAsync();
            read.AddRange(host.Feed(await modem.Host.ReadUntilAsync(LiveModem.ConnectedUrc(rabbit.B.MqttPort, 1), NodeRestartTimeout)));
            for (int i = 25; i < 30; i++)
            {
                await PublishAsync(publisher, topic, i, whileUp);
            }

            await publisher.PublishAsync(topic, "end", 1, retain: false);
            read.AddRange(host.Feed(await modem.Host.ReadUntilAsync(LiveModem.SubRecv(topic, "end"), NodeRestartTimeout)));

            Assert.Contains("+MQTTDISCONNECTED:0", read.Where(r => !r.IsMessage).Select(r => r.Line));
            var payloads = read.Where(r => r.IsMessage && r.Payload != "end").Select(r => r.Payload!).ToList();
            var duplicates = payloads.GroupBy(p => p).Where(g => g.Count() > 1).Select(g => $"{g.Key}x{g.Count()}").ToList();
            output.WriteLine($"published while up {whileUp.Count}, received {payloads.Count} ({payloads.Distinct().Count()} distinct), duplicates: {string.Join(", ", duplicates)}");

            Assert.Empty(whileUp.Except(payloads));
            Assert.All(down, d => Assert.Equal("PUBACK", d.Outcome));
            var downPayloads = down.Select(d => d.Payload).ToList();
            Assert.Equal(mirrored ? downPayloads : [], payloads.Intersect(downPayloads).Order());
            Assert.Empty(payloads.Except(whileUp).Except(downPayloads));
        }
        finally
        {
            if (mirrored)
            {
                await rabbit.Cluster.CtlAsync(rabbit.A, "clear_policy", policy);
            }
        }
    }

    private static string Payload(int i) => $"m{i:D3}";

    private static async Task PublishAsync(MqttProbe publisher, string topic, int i, List<string> acknowledged)
    {
        await publisher.PublishAsync(topic, Payload(i), 1, retain: false);
        acknowledged.Add(Payload(i));
    }

    /// <summary>A QoS 1 publish that may not be acknowledged: its outcome, as the publisher saw it within 10 s.</summary>
    private static async Task<(string Payload, string Outcome)> TryPublishAsync(MqttProbe publisher, string topic, int i)
    {
        try
        {
            await publisher.PublishAsync(topic, Payload(i), 1, retain: false);
            return (Payload(i), "PUBACK");
        }
        catch (Exception ex) when (ex is OperationCanceledException or InvalidOperationException or MQTTnet.Exceptions.MqttCommunicationException)
        {
            return (Payload(i), ex.GetType().Name);
        }
    }

    /// <summary>The pid of the only child of <paramref name="pid"/> (the Erlang VM under its start script).</summary>
    private static int ChildOf(int pid)
    {
        string children = File.ReadAllText($"/proc/{pid}/task/{pid}/children").Trim();
        return int.Parse(children.Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
    }
}
