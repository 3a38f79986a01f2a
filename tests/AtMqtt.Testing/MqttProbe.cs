using System.Buffers;
using System.Text;
using System.Threading.Channels;
using MQTTnet;
using MQTTnet.Formatter;
using MQTTnet.Protocol;
using Xunit;

namespace AtMqtt.Testing;

/// <summary>A message seen by <see cref="MqttProbe"/>; the payload is a private copy.</summary>
public sealed record ReceivedMessage(string Topic, byte[] Payload, int Qos, bool Retain)
{
    /// <summary>Payload decoded as UTF-8, for readable assertions.</summary>
    public string PayloadText => Encoding.UTF8.GetString(Payload);

    /// <summary>Topic, QoS, retain flag and payload, for messages.</summary>
    public override string ToString() =>
        $"[{Topic} qos={Qos} retain={Retain} len={Payload.Length}] {Encoding.Latin1.GetString(Payload)}";
}

/// <summary>The broker refused a <see cref="MqttProbe"/> connection (CONNACK with a failure code).</summary>
public sealed class MqttProbeConnectException(MqttClientConnectResultCode resultCode, string message)
    : Exception(message)
{
    /// <summary>The CONNACK result the broker gave.</summary>
    public MqttClientConnectResultCode ResultCode { get; } = resultCode;
}

/// <summary>
/// An independent MQTT 3.1.1 client (MQTTnet) used to observe and drive the broker side of a test.
/// </summary>
public sealed class MqttProbe : IAsyncDisposable
{
    private static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    private readonly IMqttClient _client;
    private readonly Channel<ReceivedMessage> _messages = Channel.CreateUnbounded<ReceivedMessage>();

    private MqttProbe(IMqttClient client, string clientId)
    {
        _client = client;
        ClientId = clientId;
        _client.ApplicationMessageReceivedAsync += e =>
        {
            var m = e.ApplicationMessage;
            // The payload buffer is owned by MQTTnet and reused after the handler returns: copy it.
            _messages.Writer.TryWrite(new ReceivedMessage(m.Topic, m.Payload.ToArray(), (int)m.QualityOfServiceLevel, m.Retain));
            return Task.CompletedTask;
        };
    }

    /// <summary>The probe's client ID.</summary>
    public string ClientId { get; }

    /// <summary>True while the probe is connected.</summary>
    public bool IsConnected => _client.IsConnected;

    /// <summary>All messages received so far and not yet consumed.</summary>
    public ChannelReader<ReceivedMessage> Messages => _messages.Reader;

    /// <summary>Connects a probe (MQTT 3.1.1) to <paramref name="host"/>:<paramref name="port"/>; a random client ID unless given.</summary>
    public static async Task<MqttProbe> ConnectAsync(
        string host,
        int port,
        string? clientId = null,
        bool cleanSession = true,
        string? username = null,
        string? password = null)
    {
        clientId ??= "probe-" + Guid.NewGuid().ToString("N")[..12];
        var builder = new MqttClientOptionsBuilder()
            .WithTcpServer(host, port)
            .WithClientId(clientId)
            .WithCleanSession(cleanSession)
            .WithProtocolVersion(MqttProtocolVersion.V311)
            .WithTimeout(DefaultTimeout);
        if (username is not null)
        {
            builder = builder.WithCredentials(username, password);
        }

        var client = new MqttClientFactory().CreateMqttClient();
        var probe = new MqttProbe(client, clientId);
        try
        {
            using var cts = new CancellationTokenSource(DefaultTimeout);
            var result = await client.ConnectAsync(builder.Build(), cts.Token);
            // MQTTnet 5 may report a refused CONNACK in the result instead of throwing.
            if (result.ResultCode != MqttClientConnectResultCode.Success)
            {
                throw new MqttProbeConnectException(result.ResultCode, $"Probe '{clientId}' connection to {host}:{port} refused: {result.ResultCode}");
            }

            return probe;
        }
        catch
        {
            client.Dispose();
            throw;
        }
    }

    /// <summary>Subscribes to <paramref name="filter"/> with <paramref name="qos"/> and fails unless the broker granted it.</summary>
    public async Task SubscribeAsync(string filter, int qos)
    {
        var options = new MqttClientSubscribeOptionsBuilder()
            .WithTopicFilter(filter, (MqttQualityOfServiceLevel)qos)
            .Build();
        using var cts = new CancellationTokenSource(DefaultTimeout);
        var result = await _client.SubscribeAsync(options, cts.Token);
        foreach (var item in result.Items)
        {
            if ((int)item.ResultCode > 2)
            {
                throw new InvalidOperationException($"Subscription to '{filter}' refused: {item.ResultCode}");
            }
        }
    }

    /// <summary>Unsubscribes from <paramref name="filter"/>.</summary>
    public async Task UnsubscribeAsync(string filter)
    {
        var options = new MqttClientUnsubscribeOptionsBuilder().WithTopicFilter(filter).Build();
        using var cts = new CancellationTokenSource(DefaultTimeout);
        await _client.UnsubscribeAsync(options, cts.Token);
    }

    /// <summary>Publishes <paramref name="payload"/> to <paramref name="topic"/>; returns once the broker acknowledged it (QoS 1 and 2).</summary>
    public async Task PublishAsync(string topic, byte[] payload, int qos, bool retain)
    {
        var message = new MqttApplicationMessageBuilder()
            .WithTopic(topic)
            .WithPayload(payload)
            .WithQualityOfServiceLevel((MqttQualityOfServiceLevel)qos)
            .WithRetainFlag(retain)
            .Build();
        using var cts = new CancellationTokenSource(DefaultTimeout);
        var result = await _client.PublishAsync(message, cts.Token);
        if (!result.IsSuccess)
        {
            throw new InvalidOperationException($"Publish to '{topic}' failed: {result.ReasonCode} {result.ReasonString}");
        }
    }

    /// <summary>Publishes <paramref name="payload"/> (UTF-8) to <paramref name="topic"/>.</summary>
    public Task PublishAsync(string topic, string payload, int qos = 0, bool retain = false) =>
        PublishAsync(topic, Encoding.UTF8.GetBytes(payload), qos, retain);

    /// <summary>Waits for the next received message; throws <see cref="TimeoutException"/> if none arrives.</summary>
    public async Task<ReceivedMessage> NextAsync(TimeSpan? timeout = null)
    {
        var t = timeout ?? DefaultTimeout;
        using var cts = new CancellationTokenSource(t);
        try
        {
            return await _messages.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            throw new TimeoutException($"Probe '{ClientId}' received no MQTT message within {t.TotalMilliseconds:0} ms.");
        }
    }

    /// <summary>Fails the test if any message arrives (or is already queued) within <paramref name="time"/>.</summary>
    public async Task AssertNoMessageAsync(TimeSpan time)
    {
        using var cts = new CancellationTokenSource(time);
        ReceivedMessage message;
        try
        {
            message = await _messages.Reader.ReadAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        Assert.Fail($"Probe '{ClientId}' expected no MQTT message but received {message}");
    }

    /// <summary>Removes and returns every message queued right now, without waiting.</summary>
    public IReadOnlyList<ReceivedMessage> TakeAll()
    {
        var list = new List<ReceivedMessage>();
        while (_messages.Reader.TryRead(out var m))
        {
            list.Add(m);
        }

        return list;
    }

    /// <summary>Sends DISCONNECT (no will).</summary>
    public async Task DisconnectAsync()
    {
        if (_client.IsConnected)
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _client.DisconnectAsync(new MqttClientDisconnectOptionsBuilder().Build(), cts.Token);
        }
    }

    /// <summary>Disconnects and releases the client.</summary>
    public async ValueTask DisposeAsync()
    {
        try
        {
            await DisconnectAsync();
        }
        catch (Exception)
        {
            // The broker may already be gone (e.g. killed by the test); nothing useful to report.
        }

        _client.Dispose();
        _messages.Writer.TryComplete();
    }
}
