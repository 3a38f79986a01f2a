namespace AtMqtt.Core.Instrument;

/// <summary>
/// A mistake the modem saw the host make (<c>--strict</c>): a stable code, a sentence with the hint,
/// the offending line (redacted, shortened), and when.
/// </summary>
public sealed record Finding(string Code, string Message, string? Line, DateTimeOffset Time);
