namespace AtMqtt.Cli.Control;

/// <summary>
/// <c>GET /api/info</c>: what a harness that started the program needs to reach it (where the host
/// connects, the embedded broker's port), fixed for the process's life. The control API's own address
/// is logged at start (<c>Control API on http://...</c>); everything else is here. FaultKinds: the kinds
/// <c>POST /api/faults</c> takes on this modem's profile (the web page offers those).
/// </summary>
internal sealed record ProgramInfo(string Version, string Dialect, string Profile, IReadOnlyList<string> Quirks, ChannelInfo Channel, BrokerInfo? EmbeddedBroker, int ProcessId, IReadOnlyList<string> FaultKinds);

/// <summary>
/// The host's channel. Kind: stdio, tcp (Address: where it listens, the real port when 0 was asked
/// for), tcp-connect (Address: whom it connects to), pty (Path: the link, absolute), serial (Path: the
/// device). Baud: the pacing rate at start; null: not paced.
/// </summary>
internal sealed record ChannelInfo(string Kind, string? Address, string? Path, int? Baud);

/// <summary><c>--embedded-broker</c>: on 127.0.0.1 (and ::1 where the machine has it) at Port.</summary>
internal sealed record BrokerInfo(string Host, int Port);
