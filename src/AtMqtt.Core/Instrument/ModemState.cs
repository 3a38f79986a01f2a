namespace AtMqtt.Core.Instrument;

/// <summary>
/// Everything a test asks about a modem at one moment (<c>GET /api/state</c>). Plain data built by
/// <see cref="Modem.Snapshot"/>; passwords and keys never appear in it.
/// </summary>
public sealed record ModemState
{
    public required string Dialect { get; init; }

    /// <summary>The module and firmware release (<c>--profile</c>).</summary>
    public required string Profile { get; init; }

    /// <summary>The quirks in effect, as <c>--quirk</c> writes them.</summary>
    public required IReadOnlyList<string> Quirks { get; init; }

    public bool HostAttached { get; init; }

    public bool Echo { get; init; }

    public required LinkState Link { get; init; }

    public required IReadOnlyList<SubscriptionState> Subscriptions { get; init; }

    /// <summary>Every MQTT client of the module by index (one on ESP-AT; six on Quectel): <see cref="Link"/> and <see cref="Subscriptions"/> are the first's.</summary>
    public IReadOnlyList<ClientState> Links { get; init; } = [];

    public required InboundState Inbound { get; init; }

    public required WifiState Wifi { get; init; }

    public int UartBaud { get; init; }

    public required Counters Counters { get; init; }

    public required IReadOnlyList<ActiveFault> Faults { get; init; }

    public required IReadOnlyList<Finding> Findings { get; init; }

    /// <summary>The <c>--scenario</c> running in the program, if any (the program fills it in).</summary>
    public ScenarioProgress? Scenario { get; init; }
}

/// <summary>A scenario's progress: its steps in order, each pending, running, done or failed.</summary>
public sealed record ScenarioProgress(string Name, string Status, IReadOnlyList<ScenarioStepProgress> Steps);

public sealed record ScenarioStepProgress(int Index, string Description, string Status, DateTimeOffset? At, string? Detail);

/// <summary>The MQTT link (LinkID 0). Phase: idle, connecting, connected, reconnecting, failed, dropped.</summary>
public sealed record LinkState(
    string Phase,
    int? Scheme,
    string? Host,
    int? Port,
    bool? Reconnect,
    string? ClientId,
    int KeepAlive,
    bool CleanSession);

public sealed record SubscriptionState(string Topic, int Qos);

/// <summary>One MQTT client of the module: its index, link and subscriptions.</summary>
public sealed record ClientState(int Index, LinkState Link, IReadOnlyList<SubscriptionState> Subscriptions);

/// <summary>Messages from the broker on their way to the host.</summary>
public sealed record InboundState(int Qos0Waiting, int Qos0Bound, long Qos0Dropped, int Unacknowledged);

public sealed record WifiState(bool Joined, string? Ssid);

/// <summary>Counted since the program started (AT+RST does not reset them).</summary>
public sealed record Counters(
    long Commands,
    long Errors,
    IReadOnlyList<long> PublishedByQos,
    IReadOnlyList<long> ReceivedByQos,
    long Reconnects);
