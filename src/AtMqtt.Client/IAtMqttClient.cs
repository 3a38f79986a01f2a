using System.Threading.Channels;

namespace AtMqtt.Client;

/// <summary>
/// The public API of <see cref="AtMqttClient"/>, so that application code can depend on it and be tested with a
/// fake or a mock instead of a module. <see cref="AtMqttClient"/> is the implementation; its members document
/// the behaviour.
/// </summary>
public interface IAtMqttClient : IAsyncDisposable, IDisposable
{
    /// <inheritdoc cref="AtMqttClient.Connected"/>
    event EventHandler<AtMqttConnectedEventArgs>? Connected;

    /// <inheritdoc cref="AtMqttClient.Disconnected"/>
    event EventHandler<AtMqttDisconnectedEventArgs>? Disconnected;

    /// <inheritdoc cref="AtMqttClient.ModuleRestarted"/>
    event EventHandler? ModuleRestarted;

    /// <inheritdoc cref="AtMqttClient.UnsolicitedLine"/>
    event EventHandler<AtUnsolicitedLineEventArgs>? UnsolicitedLine;

    /// <inheritdoc cref="AtMqttClient.Options"/>
    AtMqttClientOptions Options { get; }

    /// <inheritdoc cref="AtMqttClient.Dialect"/>
    AtDialect Dialect { get; }

    /// <inheritdoc cref="AtMqttClient.IsInitialized"/>
    bool IsInitialized { get; }

    /// <inheritdoc cref="AtMqttClient.IsConnected"/>
    bool IsConnected { get; }

    /// <inheritdoc cref="AtMqttClient.Messages"/>
    ChannelReader<AtMqttMessage> Messages { get; }

    /// <inheritdoc cref="AtMqttClient.MaxPubRawLength"/>
    int MaxPubRawLength { get; }

    /// <inheritdoc cref="AtMqttClient.ReadMessagesAsync"/>
    IAsyncEnumerable<AtMqttMessage> ReadMessagesAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.InitializeAsync"/>
    Task InitializeAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.ConnectAsync(AtMqttConnectOptions, CancellationToken)"/>
    Task<AtMqttConnectionInfo> ConnectAsync(AtMqttConnectOptions options, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.ConnectAsync(string, int, bool, CancellationToken)"/>
    Task<AtMqttConnectionInfo> ConnectAsync(string host, int port, bool autoReconnect = false, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.ConfigureUserAsync"/>
    Task ConfigureUserAsync(AtMqttUserConfig user, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.ConfigureConnectionAsync"/>
    Task ConfigureConnectionAsync(AtMqttConnectionConfig connection, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.ConfigureAlpnAsync"/>
    Task ConfigureAlpnAsync(IReadOnlyList<string> protocols, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.ConfigureSniAsync"/>
    Task ConfigureSniAsync(string serverName, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.PublishAsync(string, string, MqttQos, bool, CancellationToken)"/>
    Task PublishAsync(string topic, string payload, MqttQos qos = MqttQos.AtMostOnce, bool retain = false, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.PublishAsync(string, ReadOnlyMemory{byte}, MqttQos, bool, CancellationToken)"/>
    Task PublishAsync(string topic, ReadOnlyMemory<byte> payload, MqttQos qos = MqttQos.AtMostOnce, bool retain = false, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.SubscribeAsync"/>
    Task<AtMqttSubscribeResult> SubscribeAsync(string topicFilter, MqttQos qos = MqttQos.AtMostOnce, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.UnsubscribeAsync"/>
    Task<AtMqttUnsubscribeResult> UnsubscribeAsync(string topicFilter, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.DisconnectAsync"/>
    Task DisconnectAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.CleanAsync"/>
    Task CleanAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.GetConnectionInfoAsync"/>
    Task<AtMqttConnectionInfo> GetConnectionInfoAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.GetSubscriptionsAsync"/>
    Task<IReadOnlyList<AtMqttSubscription>> GetSubscriptionsAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.ResetModuleAsync"/>
    Task ResetModuleAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.GetVersionAsync"/>
    Task<IReadOnlyList<string>> GetVersionAsync(CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.JoinWifiAsync"/>
    Task JoinWifiAsync(string ssid, string password, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.ExecuteCommandAsync"/>
    Task<IReadOnlyList<string>> ExecuteCommandAsync(string commandLine, TimeSpan? timeout = null, CancellationToken cancellationToken = default);

    /// <inheritdoc cref="AtMqttClient.RestoreSessionAsync"/>
    Task RestoreSessionAsync(CancellationToken cancellationToken = default);
}
