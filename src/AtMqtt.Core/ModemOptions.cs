using AtMqtt.Core.Dialects;
using AtMqtt.Core.Mqtt.Transport;
using AtMqtt.Core.Profiles;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AtMqtt.Core;

/// <summary>Everything a modem is configured with at start; nothing here changes at run time.</summary>
public sealed class ModemOptions
{
    /// <summary>The dialect when no <see cref="Profile"/> is given: seed stands for bk7238, esp-at for esp-at-5.0.</summary>
    public Dialect Dialect { get; init; } = Dialect.Seed;

    /// <summary><c>--profile</c>: the module and firmware release; null follows <see cref="Dialect"/>.</summary>
    public Profile? Profile { get; init; }

    /// <summary><c>--quirk</c>: misbehaviour asked for, on top of the profile's own <see cref="Profile.DefaultQuirks"/>.</summary>
    public Quirks Quirks { get; init; } = Quirks.None;

    /// <summary>How long a <c>&gt;</c> data phase waits for the next byte; zero waits forever.</summary>
    public TimeSpan DataTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// <c>--result-delay MS</c>: the time between a command's <c>OK</c> and its result URC, instead of the
    /// profile's <see cref="Profiles.Profile.ResultDelay"/>; null keeps the profile's (0 for speed tests).
    /// </summary>
    public TimeSpan? ResultDelay { get; init; }

    /// <summary>Entries in the subscription list (SPEC: 10).</summary>
    public int MaxSubscriptions { get; init; } = 10;

    /// <summary>QoS 0 messages that may wait for the host before new ones are dropped.</summary>
    public int RxQueue { get; init; } = 1000;

    /// <summary>
    /// The largest message the broker may deliver, topic and payload together (<c>--max-message-bytes</c>):
    /// the module's receive buffer. A larger one closes the connection before it is buffered.
    /// </summary>
    public long MaxMessageBytes { get; init; } = DefaultMaxMessageBytes;

    /// <summary>1 MiB.</summary>
    public const long DefaultMaxMessageBytes = 1 << 20;

    /// <summary><c>--wifi SSID:PASSWORD</c>: the one access point AT+CWJAP accepts; null accepts any.</summary>
    public (string Ssid, string Password)? Wifi { get; init; }

    /// <summary><c>--require-wifi</c>: AT+MQTTCONN fails until AT+CWJAP succeeded, as on a real module.</summary>
    public bool RequireWifi { get; init; }

    /// <summary>PSK, CA and client certificate for the TLS schemes (<c>--psk</c>, <c>--ca</c>, <c>--client-cert</c>).</summary>
    public TlsCredentials Credentials { get; init; } = TlsCredentials.None;

    /// <summary><c>--strict</c>: report the host's mistakes as findings (<see cref="Instrument.HostChecks"/>).</summary>
    public bool Strict { get; init; }

    public ILoggerFactory LoggerFactory { get; init; } = NullLoggerFactory.Instance;

    /// <summary>The clock of the log rate limits (a fake one in tests).</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>The program's version, shown by AT+GMR.</summary>
    public string Version { get; init; } = typeof(ModemOptions).Assembly.GetName().Version?.ToString(3) ?? "0.0.0";
}
