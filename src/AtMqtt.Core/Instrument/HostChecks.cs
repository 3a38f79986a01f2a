namespace AtMqtt.Core.Instrument;

/// <summary>
/// <c>--strict</c>: the host's mistakes the modem sees, kept as <see cref="Finding"/>s (bounded: the
/// first ones kept, the rest counted), each also logged as a warning and published as an event.
/// Does nothing while <see cref="Enabled"/> is false.
/// </summary>
public sealed class HostChecks
{
    public bool Enabled { get; init; }

    /// <summary>The findings kept, oldest first.</summary>
    public IReadOnlyList<Finding> Findings => throw new NotImplementedException();

    /// <summary>Every finding, kept or not.</summary>
    public long Count => throw new NotImplementedException();
}
