using System.Globalization;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Xunit;

namespace AtMqtt.Client.Tests;

/// <summary>
/// <see cref="IAtMqttClient"/>: it covers the whole public API of <see cref="AtMqttClient"/>, and application
/// code written against it runs on a hand-written fake as on the real client.
/// </summary>
public sealed class InterfaceTests
{
    private static readonly TimeSpan Wait = FakeModule.Patience;

    [Fact]
    public void Every_public_instance_member_of_the_client_is_in_the_interface()
    {
        var implemented = new[] { typeof(IAtMqttClient), typeof(IAsyncDisposable), typeof(IDisposable) }
            .SelectMany(i => typeof(AtMqttClient).GetInterfaceMap(i).TargetMethods)
            .ToHashSet();
        var missing = typeof(AtMqttClient).GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly)
            .Where(m => !implemented.Contains(m))
            .Select(m => m.ToString())
            .ToList();
        Assert.Empty(missing);
        Assert.Equal(4, typeof(IAtMqttClient).GetEvents().Length);
    }

    [Fact]
    public async Task An_application_class_runs_on_a_hand_written_fake()
    {
        var fake = new RecordingClient();
        var thermostat = new Thermostat(fake, "t1");

        await thermostat.ReportAsync(21.5);
        await thermostat.ReportAsync(22);
        Assert.Equal(1, fake.Connects); // connected once, then reused
        Assert.Equal(
            [("devices/t1/temperature", "21.5", MqttQos.AtLeastOnce, true), ("devices/t1/temperature", "22.0", MqttQos.AtLeastOnce, true)],
            fake.Published);

        // It answers a ping that arrives on its command topic, and ignores anything else.
        await fake.Incoming.Writer.WriteAsync(new AtMqttMessage("devices/t1/commands", "noise"u8));
        await fake.Incoming.Writer.WriteAsync(new AtMqttMessage("devices/t1/commands", "ping"u8));
        fake.Incoming.Writer.Complete();
        Assert.Equal(1, await thermostat.AnswerCommandsAsync().WaitAsync(Wait));
        Assert.Equal([("devices/t1/commands", MqttQos.AtLeastOnce)], fake.Subscribed);
        Assert.Equal(("devices/t1/pong", "ping", MqttQos.AtMostOnce, false), fake.Published[^1]);
    }

    [Fact]
    public async Task The_same_application_class_runs_on_the_real_client()
    {
        await using var module = new FakeModule();
        await using var client = module.CreateClient();
        var thermostat = new Thermostat(client, "t1");

        var report = thermostat.ReportAsync(21.5);
        await module.HandshakeAsync();
        await module.ExpectAsync("AT+MQTTCLEAN=0");
        await module.OkAsync();
        await module.ExpectAsync("AT+MQTTUSERCFG=0,1,\"t1\",\"\",\"\",0,0,\"\"");
        await module.OkAsync();
        await module.ExpectAsync("AT+MQTTCONN=0,\"broker.local\",1883,0");
        await module.OkAsync("+MQTTCONNECTED:0,1,\"broker.local\",\"1883\",\"\",0");
        await module.ExpectAsync("AT+MQTTPUB=0,\"devices/t1/temperature\",\"21.5\",1,1");
        await module.OkAsync();
        await report.WaitAsync(Wait);
    }

    /// <summary>A small application class that depends on the interface only.</summary>
    private sealed class Thermostat(IAtMqttClient mqtt, string id)
    {
        public async Task ReportAsync(double celsius)
        {
            if (!mqtt.IsConnected)
            {
                await mqtt.ConnectAsync(new AtMqttConnectOptions { Host = "broker.local", ClientId = id });
            }

            await mqtt.PublishAsync($"devices/{id}/temperature", celsius.ToString("0.0", CultureInfo.InvariantCulture), MqttQos.AtLeastOnce, retain: true);
        }

        /// <summary>Answers "ping" with a pong until the messages end; returns how many it answered.</summary>
        public async Task<int> AnswerCommandsAsync()
        {
            await mqtt.SubscribeAsync($"devices/{id}/commands", MqttQos.AtLeastOnce);
            int answered = 0;
            await foreach (var message in mqtt.ReadMessagesAsync())
            {
                if (message.PayloadText == "ping")
                {
                    await mqtt.PublishAsync($"devices/{id}/pong", "ping");
                    answered++;
                }
            }

            return answered;
        }
    }

    /// <summary>A hand-written fake: records what the application did, delivers what the test writes to <see cref="Incoming"/>.</summary>
    private sealed class RecordingClient : IAtMqttClient
    {
        public event EventHandler<AtMqttConnectedEventArgs>? Connected;

        public event EventHandler<AtMqttDisconnectedEventArgs>? Disconnected;

        public event EventHandler? ModuleRestarted;

        public event EventHandler<AtUnsolicitedLineEventArgs>? UnsolicitedLine;

        public Channel<AtMqttMessage> Incoming { get; } = Channel.CreateUnbounded<AtMqttMessage>();

        public List<(string Topic, string Payload, MqttQos Qos, bool Retain)> Published { get; } = [];

        public List<(string Filter, MqttQos Qos)> Subscribed { get; } = [];

        public int Connects { get; private set; }

        public AtMqttClientOptions Options { get; } = new();

        public AtDialect Dialect => AtDialect.EspAt;

        public bool IsInitialized => true;

        public bool IsConnected { get; private set; }

        public ChannelReader<AtMqttMessage> Messages => Incoming.Reader;

        public int MaxPubRawLength => 65536;

        public async IAsyncEnumerable<AtMqttMessage> ReadMessagesAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            await foreach (var message in Incoming.Reader.ReadAllAsync(cancellationToken))
            {
                yield return message;
            }
        }

        public Task InitializeAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task<AtMqttConnectionInfo> ConnectAsync(AtMqttConnectOptions options, CancellationToken cancellationToken = default) =>
            ConnectAsync(options.Host, options.Port, options.AutoReconnect, cancellationToken);

        public Task<AtMqttConnectionInfo> ConnectAsync(string host, int port, bool autoReconnect = false, CancellationToken cancellationToken = default)
        {
            Connects++;
            IsConnected = true;
            var info = new AtMqttConnectionInfo { State = AtMqttLinkState.Connected, Host = host, Port = port, AutoReconnect = autoReconnect };
            Connected?.Invoke(this, new AtMqttConnectedEventArgs(info));
            return Task.FromResult(info);
        }

        public Task ConfigureUserAsync(AtMqttUserConfig user, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ConfigureConnectionAsync(AtMqttConnectionConfig connection, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ConfigureAlpnAsync(IReadOnlyList<string> protocols, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task ConfigureSniAsync(string serverName, CancellationToken cancellationToken = default) => Task.CompletedTask;

        public Task PublishAsync(string topic, string payload, MqttQos qos = MqttQos.AtMostOnce, bool retain = false, CancellationToken cancellationToken = default)
        {
            Published.Add((topic, payload, qos, retain));
            return Task.CompletedTask;
        }

        public Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQos qos = MqttQos.AtMostOnce, bool retain = false, CancellationToken cancellationToken = default) =>
            PublishAsync(topic, System.Text.Encoding.UTF8.GetString(payload.Span), qos, retain, cancellationToken);

        public Task<AtMqttSubscribeResult> SubscribeAsync(string topicFilter, MqttQos qos = MqttQos.AtMostOnce, CancellationToken cancellationToken = default)
        {
            Subscribed.Add((topicFilter, qos));
            return Task.FromResult(AtMqttSubscribeResult.Subscribed);
        }

        public Task<AtMqttUnsubscribeResult> UnsubscribeAsync(string topicFilter, CancellationToken cancellationToken = default) =>
            Task.FromResult(Subscribed.RemoveAll(s => s.Filter == topicFilter) > 0 ? AtMqttUnsubscribeResult.Unsubscribed : AtMqttUnsubscribeResult.NotSubscribed);

        public Task DisconnectAsync(CancellationToken cancellationToken = default)
        {
            IsConnected = false;
            Disconnected?.Invoke(this, new AtMqttDisconnectedEventArgs(AtMqttDisconnectReason.Cleaned));
            return Task.CompletedTask;
        }

        public Task CleanAsync(CancellationToken cancellationToken = default) => DisconnectAsync(cancellationToken);

        public Task<AtMqttConnectionInfo> GetConnectionInfoAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult(new AtMqttConnectionInfo { State = IsConnected ? AtMqttLinkState.Connected : AtMqttLinkState.Disconnected });

        public Task<IReadOnlyList<AtMqttSubscription>> GetSubscriptionsAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<AtMqttSubscription>>([.. Subscribed.Select(s => new AtMqttSubscription(s.Filter, s.Qos))]);

        public Task ResetModuleAsync(CancellationToken cancellationToken = default)
        {
            IsConnected = false;
            ModuleRestarted?.Invoke(this, EventArgs.Empty);
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<string>> GetVersionAsync(CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<string>>(["AT version:fake"]);

        public Task JoinWifiAsync(string ssid, string password, CancellationToken cancellationToken = default)
        {
            UnsolicitedLine?.Invoke(this, new AtUnsolicitedLineEventArgs("WIFI GOT IP"));
            return Task.CompletedTask;
        }

        public Task<IReadOnlyList<string>> ExecuteCommandAsync(string commandLine, TimeSpan? timeout = null, CancellationToken cancellationToken = default) =>
            Task.FromResult<IReadOnlyList<string>>([]);

        public Task RestoreSessionAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public void Dispose()
        {
        }
    }
}
