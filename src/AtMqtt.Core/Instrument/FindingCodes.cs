namespace AtMqtt.Core.Instrument;

/// <summary>
/// The codes of <see cref="Finding"/>s (<c>--strict</c>): stable, kebab-case, documented in
/// docs/scenarios.md. Each comes with a sentence that says what the host did and what to do instead.
/// </summary>
public static class FindingCodes
{
    /// <summary>Bytes of a PUBRAW or LONG* data phase arrived before the modem wrote <c>&gt;</c>.</summary>
    public const string DataBeforePrompt = "data-before-prompt";

    /// <summary>A line arrived while the previous command had no final result yet (the host got <c>busy p...</c>).</summary>
    public const string CommandWhileBusy = "command-while-busy";

    /// <summary>Bytes were waiting before the modem wrote <c>ready</c> to a host that attached.</summary>
    public const string CommandBeforeReady = "command-before-ready";

    /// <summary>A quote or comma in a string, not escaped, made the command fail.</summary>
    public const string UnescapedSeparator = "unescaped-separator";

    /// <summary>A line over 256 bytes (discarded with ERROR).</summary>
    public const string LineTooLong = "line-too-long";

    /// <summary>AT+MQTTCONNCFG, AT+MQTTLONG*, AT+MQTTALPN, AT+MQTTSNI (or v2.x's AT+MQTTCLIENTID/USERNAME/PASSWORD) before AT+MQTTUSERCFG.</summary>
    public const string ConfigBeforeUserConfig = "config-before-usercfg";

    /// <summary>AT+MQTTCONN after a reconnect=0 link dropped, without AT+MQTTCLEAN first.</summary>
    public const string ConnectWithoutClean = "conn-without-clean";

    /// <summary>AT+MQTTSUB with the subscription list full.</summary>
    public const string SubscriptionListFull = "sub-list-full";

    /// <summary>AT+MQTTPUB or AT+MQTTPUBRAW while the link is not connected.</summary>
    public const string PublishWhileDisconnected = "pub-while-disconnected";

    /// <summary>The host does not read: QoS 0 messages were dropped because their queue was full.</summary>
    public const string HostNotReading = "host-not-reading";

    public static readonly IReadOnlyList<string> All =
    [
        DataBeforePrompt, CommandWhileBusy, CommandBeforeReady, UnescapedSeparator, LineTooLong,
        ConfigBeforeUserConfig, ConnectWithoutClean, SubscriptionListFull, PublishWhileDisconnected, HostNotReading,
    ];
}
