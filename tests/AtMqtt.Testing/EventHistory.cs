using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace AtMqtt.Testing;

/// <summary>
/// Every event a modem has had since the test started it, in order, with the cursor that
/// <see cref="IAtMqttModem.WaitForAsync"/> searches from. Thread safe: events arrive on a reader's thread.
/// </summary>
internal sealed class EventHistory
{
    private readonly object _gate = new();
    private readonly List<AtMqttEvent> _events = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _cursor;
    private string? _ended;

    /// <summary>Everything so far.</summary>
    public IReadOnlyList<AtMqttEvent> All
    {
        get
        {
            lock (_gate)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The line events so far.</summary>
    public IReadOnlyList<AtMqttEvent> Lines
    {
        get
        {
            lock (_gate)
            {
                return _events.FindAll(e => e.Type == "line");
            }
        }
    }

    /// <summary>The line events as a transcript: <c>HH:mm:ss.ffffff h&gt;m text</c>, one a line.</summary>
    public string TranscriptText
    {
        get
        {
            var text = new StringBuilder();
            foreach (var e in Lines)
            {
                text.Append(e.Time.UtcDateTime.ToString("HH:mm:ss.ffffff", CultureInfo.InvariantCulture))
                    .Append(e.Direction == AtMqttEvent.ToModem ? " h>m " : " m>h ")
                    .Append(e.Text)
                    .Append('\n');
            }

            return text.ToString();
        }
    }

    /// <summary>Adds an event (events come in sequence order).</summary>
    public void Add(AtMqttEvent e)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _events.Add(e);
            changed = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }

        changed.TrySetResult();
    }

    /// <summary>No more events will come; waits fail at once, saying <paramref name="why"/>.</summary>
    public void End(string why)
    {
        TaskCompletionSource changed;
        lock (_gate)
        {
            _ended ??= why;
            changed = _changed;
        }

        changed.TrySetResult();
    }

    /// <summary>Moves the cursor past every event so far: the harness is about to act, and what it causes comes after.</summary>
    public void MarkAction()
    {
        lock (_gate)
        {
            _cursor = _events.Count;
        }
    }

    /// <summary>The events from now on, as they come, until <paramref name="cancellationToken"/> fires or the modem ends.</summary>
    public IAsyncEnumerable<AtMqttEvent> FromNow(CancellationToken cancellationToken)
    {
        int start;
        lock (_gate)
        {
            start = _events.Count;
        }

        return From(start, cancellationToken);
    }

    /// <summary>The first event after the cursor (or after <paramref name="after"/>) that matches; then the cursor is past it.</summary>
    public async Task<AtMqttEvent> WaitForAsync(Func<AtMqttEvent, bool> predicate, TimeSpan timeout, string what, long? after, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(predicate);
        var watch = Stopwatch.StartNew();
        int index;
        lock (_gate)
        {
            index = after is { } sequence ? FirstAfter(sequence) : _cursor;
        }

        int start = index;
        while (true)
        {
            Task changed;
            string? ended;
            lock (_gate)
            {
                for (; index < _events.Count; index++)
                {
                    if (predicate(_events[index]))
                    {
                        _cursor = Math.Max(_cursor, index + 1);
                        return _events[index];
                    }
                }

                changed = _changed.Task;
                ended = _ended;
            }

            if (ended is not null)
            {
                throw new InvalidOperationException($"No event {what}: {ended}.{Looked(start)}");
            }

            var remaining = timeout - watch.Elapsed;
            if (remaining <= TimeSpan.Zero)
            {
                throw new TimeoutException($"No event {what} within {timeout.TotalSeconds:0.#} s.{Looked(start)}");
            }

            try
            {
                await changed.WaitAsync(remaining, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Looked at once more above, then reported.
            }
        }
    }

    private async IAsyncEnumerable<AtMqttEvent> From(int index, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            AtMqttEvent? next = null;
            Task changed;
            bool ended;
            lock (_gate)
            {
                if (index < _events.Count)
                {
                    next = _events[index++];
                }

                changed = _changed.Task;
                ended = _ended is not null;
            }

            if (next is not null)
            {
                yield return next;
                continue;
            }

            if (ended)
            {
                yield break;
            }

            await changed.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private int FirstAfter(long sequence)
    {
        int i = _events.FindIndex(e => e.Sequence > sequence);
        return i < 0 ? _events.Count : i;
    }

    /// <summary>What a failed wait looked at, the last 40 events of it, for the message.</summary>
    private string Looked(int start)
    {
        lock (_gate)
        {
            int count = _events.Count - start;
            if (count == 0)
            {
                return " No event came after the cursor.";
            }

            var shown = _events.Skip(Math.Max(start, _events.Count - 40)).Select(e => "  " + e);
            return $" {count} events came after the cursor{(count > 40 ? ", the last 40" : "")}:\n{string.Join("\n", shown)}";
        }
    }
}
