using AtMqtt.Cli.Transcript;
using AtMqtt.Core.Instrument;

namespace AtMqtt.Cli.Control;

/// <summary>
/// The control API's <c>line</c> events: every line each way, redacted exactly as the transcript is
/// (a <see cref="TrafficRecorder"/> of its own, with the same secrets), published on the modem's
/// <see cref="EventHub"/>. Only while someone watches: otherwise each chunk of bytes costs one
/// volatile read, and no recorder exists.
/// </summary>
/// <remarks>
/// A recorder starts when the first watcher comes and is dropped when the last goes. A recorder that
/// starts mid-stream skips each direction up to its first line end, so that the redactor, which reads
/// commands from their start, never sees the tail of an AT+MQTTUSERCFG or AT+CWJAP line as traffic.
/// </remarks>
internal sealed class LineEvents(EventHub hub, Func<bool> inDataPhase) : IByteObserver, IDisposable
{
    private readonly Lock _gate = new();
    private readonly List<string> _secrets = [];
    private readonly bool[] _synced = new bool[2];

    // Per direction (each written from one thread): the last byte that passed was an LF.
    private readonly bool[] _endsLine = [true, true];
    private TrafficRecorder? _recorder;

    /// <summary>As <see cref="TrafficRecorder.AddSecret"/>: hidden wherever it appears.</summary>
    public void AddSecret(string secret)
    {
        lock (_gate)
        {
            _secrets.Add(secret);
            _recorder?.AddSecret(secret);
        }
    }

    public void Record(Direction direction, ReadOnlySpan<byte> bytes)
    {
        if (bytes.IsEmpty)
        {
            return;
        }

        int d = (int)direction;
        bool endedLine = _endsLine[d];
        _endsLine[d] = bytes[^1] == (byte)'\n';
        if (!hub.HasWatchers)
        {
            if (Volatile.Read(ref _recorder) is not null)
            {
                Stop();
            }

            return;
        }

        lock (_gate)
        {
            var recorder = _recorder ??= Start();
            if (!_synced[d])
            {
                // A recorder that starts mid-stream starts at a line's beginning, and for the host's
                // bytes not inside a data phase (whose bytes, an AT+MQTTLONGPASSWORD's, may be secret).
                if (!endedLine || (direction == Direction.HostToModem && inDataPhase()))
                {
                    return;
                }

                _synced[d] = true;
            }

            recorder.Record(direction, bytes);
        }
    }

    public void Dispose() => Stop();

    private TrafficRecorder Start()
    {
        var recorder = new TrafficRecorder([new Sink(hub)]);
        foreach (var secret in _secrets)
        {
            recorder.AddSecret(secret);
        }

        _synced[0] = _synced[1] = false;
        return recorder;
    }

    private void Stop()
    {
        TrafficRecorder? recorder;
        lock (_gate)
        {
            recorder = _recorder;
            _recorder = null;
        }

        recorder?.Dispose();
    }

    /// <summary>Each record of the recorder becomes one event.</summary>
    private sealed class Sink(EventHub hub) : ITrafficSink
    {
        public void Write(in TrafficRecord record)
        {
            if (record.Direction is not { } direction)
            {
                return; // the channel's own notes; state events say the same
            }

            hub.Publish(new ModemEvent
            {
                Type = EventTypes.Line,
                Direction = direction == Direction.HostToModem ? "to-modem" : "to-host",
                Text = record.Text,
            });
        }

        public void Dispose()
        {
        }
    }
}
