using System.Runtime.CompilerServices;

namespace AtMqtt.Testing;

/// <summary>
/// A modem under test and its controls, the same whether it is the atmqtt program in a process
/// (<see cref="AtMqttModem"/>) or the engine in the test process (<c>AtMqttModem.StartInProcessAsync</c>,
/// net10.0): where the host connects, the modem's state, faults, the reset pin, its events, and the broker it
/// uses. Everything here is seen from outside the host's line: the host's bytes are the code under test's own.
/// </summary>
/// <remarks>
/// <para>
/// Every event the modem has since it started is kept (<see cref="History"/>). <see cref="WaitForAsync"/> looks
/// at the events after a cursor: the cursor moves past all events so far just before each thing this object does
/// to the modem (a fault started or ended, faults cleared, the reset pin, a publish to the device, a new host
/// connection), and past each event <see cref="WaitForAsync"/> returns. So what an action causes is never
/// missed, however soon it happens, and an event from before it never answers a wait after it.
/// </para>
/// <para>Timeouts default to <see cref="AtMqttModem.DefaultTimeout"/> (15 s): generous, for loaded CI machines.</para>
/// </remarks>
public interface IAtMqttModem : IAsyncDisposable
{
    /// <summary>
    /// The broker the modem uses, for <see cref="PublishToDeviceAsync(string, string, int, bool, CancellationToken)"/>
    /// and <see cref="BrokerMessagesAsync"/>: the one given at start, else the embedded one; null if neither
    /// (then the link's host and port, once the host has connected, stand in).
    /// </summary>
    BrokerEndpoint? Broker { get; }

    /// <summary>Every event since the modem started, in order.</summary>
    IReadOnlyList<AtMqttEvent> History { get; }

    /// <summary>The line events since the modem started: the transcript of the run, redacted as the program's is.</summary>
    IReadOnlyList<AtMqttEvent> Transcript { get; }

    /// <summary>The transcript as text, one line each (<c>HH:mm:ss.ffffff h&gt;m AT\r\n</c>), for a failure message.</summary>
    string TranscriptText { get; }

    /// <summary>
    /// A new connection to the modem's host line, for the code under test: a TCP connection, the pseudo-terminal
    /// opened, or in process a fresh pair of pipes (a host already attached is detached first). The modem writes
    /// <c>ready\r\n</c> on it first. Dispose it to leave.
    /// </summary>
    Task<Stream> OpenHostStreamAsync(CancellationToken cancellationToken = default);

    /// <summary>The modem's state now.</summary>
    Task<AtMqttState> StateAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts a fault; it lasts until the handle is disposed (or ended), or until it ends by itself
    /// (<c>seconds</c>, <c>count</c>). A request the modem refuses throws <see cref="AtMqttFaultException"/>.
    /// </summary>
    Task<AtMqttFault> FaultAsync(FaultRequest fault, CancellationToken cancellationToken = default);

    /// <summary>Ends every active fault; returns how many were active.</summary>
    Task<int> ClearFaultsAsync(CancellationToken cancellationToken = default);

    /// <summary>Pulls the reset pin: the link cut without DISCONNECT, state forgotten, <c>ready</c> to the host.</summary>
    Task ResetAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The events from the moment of this call on, as they come: iterate with <c>await foreach</c> until
    /// <paramref name="cancellationToken"/> fires (which throws <see cref="OperationCanceledException"/>) or the modem ends.
    /// </summary>
    IAsyncEnumerable<AtMqttEvent> Events(CancellationToken cancellationToken = default);

    /// <summary>
    /// The first event after the cursor (see the remarks), or after sequence number <paramref name="after"/>, that
    /// matches <paramref name="predicate"/>. A <see cref="TimeoutException"/> naming the predicate and listing the
    /// events that did come if none matches within <paramref name="timeout"/>.
    /// </summary>
    Task<AtMqttEvent> WaitForAsync(
        Func<AtMqttEvent, bool> predicate,
        TimeSpan? timeout = null,
        long? after = null,
        [CallerArgumentExpression(nameof(predicate))] string? description = null,
        CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes <paramref name="payload"/> to <paramref name="topic"/> through the modem's broker (an MQTT client
    /// of the harness), so that it reaches the device's subscriptions; returns once the broker has it (QoS 1, 2).
    /// </summary>
    Task PublishToDeviceAsync(string topic, ReadOnlyMemory<byte> payload, int qos = 0, bool retain = false, CancellationToken cancellationToken = default);

    /// <summary>As <see cref="PublishToDeviceAsync(string, ReadOnlyMemory{byte}, int, bool, CancellationToken)"/>, with a UTF-8 payload.</summary>
    Task PublishToDeviceAsync(string topic, string payload, int qos = 0, bool retain = false, CancellationToken cancellationToken = default);

    /// <summary>
    /// An MQTT client of the modem's broker subscribed to <paramref name="topicFilter"/> from the moment this
    /// returns: what the device publishes there, as the broker saw it (<see cref="MqttProbe.NextAsync"/>). Dispose it
    /// when done (the modem disposes those left).
    /// </summary>
    Task<MqttProbe> BrokerMessagesAsync(string topicFilter, int qos = 1, CancellationToken cancellationToken = default);
}
