using AtMqtt.Core.Logging;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AtMqtt.Core.Instrument;

/// <summary>
/// <c>--strict</c>: the host's mistakes the modem sees, kept as <see cref="Finding"/>s (bounded: the
/// first ones kept, the rest counted), each also logged as a warning and published as an event.
/// Does nothing while <see cref="Enabled"/> is false.
/// </summary>
/// <remarks>
/// The checks only watch: the modem answers the host exactly as it would without <c>--strict</c>.
/// Where each check looks is <see cref="HostCheckHooks"/>. Thread-safe.
/// </remarks>
public sealed class HostChecks : IDisposable
{
    /// <summary>Findings kept; later ones are only counted (<see cref="Count"/>, <see cref="CountByCode"/>).</summary>
    public const int MaxKept = 100;

    private readonly Lock _gate = new();
    private readonly List<Finding> _kept = [];
    private readonly Dictionary<string, long> _byCode = new(StringComparer.Ordinal);
    private readonly Dictionary<string, LogThrottle> _logs = new(StringComparer.Ordinal);
    private readonly EventHub? _events;
    private readonly ILogger _log;
    private readonly TimeProvider _time;
    private readonly List<string> _secrets = [];
    private long _count;
    private bool _disposed;

    // The line after an AT+MQTTLONGPASSWORD line (or a private key's write) that got no prompt may be the secret itself.
    private bool _afterLongPassword;
    private bool _mayBePassword;

    public HostChecks()
        : this(null, NullLogger.Instance, TimeProvider.System)
    {
    }

    /// <param name="events">Where each finding is published (Type=finding, Name=code, Text=sentence).</param>
    /// <param name="log">Where each finding is logged as a warning (a few per code and interval, the rest summarised).</param>
    /// <param name="time">The findings' clock.</param>
    public HostChecks(EventHub? events, ILogger log, TimeProvider time)
    {
        _events = events;
        _log = log;
        _time = time;
    }

    public bool Enabled { get; init; }

    /// <summary>The findings kept, oldest first.</summary>
    public IReadOnlyList<Finding> Findings
    {
        get
        {
            lock (_gate)
            {
                return [.. _kept];
            }
        }
    }

    /// <summary>Every finding, kept or not.</summary>
    public long Count => Interlocked.Read(ref _count);

    /// <summary>Every finding, kept or not, per code, in the order the codes first occurred.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> CountByCode
    {
        get
        {
            lock (_gate)
            {
                return [.. _byCode];
            }
        }
    }

    /// <summary>The clock findings are stamped with.</summary>
    internal TimeProvider Time => _time;

    /// <summary>A configured secret (a Wi-Fi password, a PSK key) that no shown line may contain.</summary>
    public void AddSecret(string secret)
    {
        if (secret.Length >= 4)
        {
            lock (_gate)
            {
                _secrets.Add(secret);
            }
        }
    }

    /// <summary>
    /// Records a finding: <paramref name="line"/> (the host's line without terminator, empty when there
    /// is none) is redacted and shortened (<see cref="FindingLine"/>).
    /// </summary>
    public void Report(string code, string message, ReadOnlySpan<byte> line)
    {
        if (!Enabled)
        {
            return;
        }

        string? shown;
        lock (_gate)
        {
            shown = line.IsEmpty ? null : _mayBePassword ? FindingLine.Hidden : FindingLine.Show(line, _secrets);
        }

        Add(new Finding(code, message, shown, _time.GetUtcNow()));
    }

    /// <summary>Every line the host sends, before it is answered (only while <see cref="Enabled"/>).</summary>
    internal void Saw(ReadOnlySpan<byte> line)
    {
        lock (_gate)
        {
            _mayBePassword = _afterLongPassword;
            _afterLongPassword = line.StartsWith("AT+MQTTLONGPASSWORD"u8) || WritesKey(line);
        }
    }

    /// <summary>
    /// An AT+SYSMFG or AT+SYSFLASH write to a namespace or partition of private keys, or any cellular file upload
    /// (AT+QFUPL, AT+CCERTDOWN: any file may be a key): the next line may be the key.
    /// </summary>
    private static bool WritesKey(ReadOnlySpan<byte> line) =>
        ((line.StartsWith("AT+SYSMFG=2,"u8) || line.StartsWith("AT+SYSFLASH=1,"u8)) && line.IndexOf("_key\""u8) >= 0)
        || line.StartsWith("AT+QFUPL="u8) || line.StartsWith("AT+CCERTDOWN="u8);

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
            foreach (var log in _logs.Values)
            {
                log.Dispose();
            }

            _logs.Clear();
        }
    }

    private void Add(Finding finding)
    {
        LogThrottle? throttle;
        lock (_gate)
        {
            Interlocked.Increment(ref _count);
            _byCode[finding.Code] = _byCode.GetValueOrDefault(finding.Code) + 1;
            if (_kept.Count < MaxKept)
            {
                _kept.Add(finding);
            }

            if (!_logs.TryGetValue(finding.Code, out throttle) && !_disposed)
            {
                throttle = LogThrottle.Summarising(_log, LogLevel.Warning, $"Host check {finding.Code}", _time, burst: 3);
                _logs.Add(finding.Code, throttle);
            }
        }

        if (throttle?.ShouldLog() == true)
        {
            if (finding.Line is null)
            {
                _log.LogWarning("Host check {Code}: {Message}", finding.Code, finding.Message);
            }
            else
            {
                _log.LogWarning("Host check {Code}: {Message} Line: {Line}", finding.Code, finding.Message, finding.Line);
            }
        }

        _events?.Publish(new ModemEvent { Type = EventTypes.Finding, Name = finding.Code, Text = finding.Message });
    }
}
