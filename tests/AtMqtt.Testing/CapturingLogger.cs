using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AtMqtt.Testing;

/// <summary>An <see cref="ILogger"/> that keeps every entry with its structured values, for assertions.</summary>
public sealed class CapturingLogger(LogLevel minimum = LogLevel.Trace) : ILogger
{
    private readonly ConcurrentQueue<Entry> _entries = new();

    /// <summary>Every entry logged so far, in order.</summary>
    public IReadOnlyList<Entry> Entries => [.. _entries];

    /// <summary>The <c>Line</c> values of the entries with a <c>Direction</c> of <paramref name="direction"/>, in order.</summary>
    public IReadOnlyList<string> Lines(string direction) =>
        [.. Entries.Where(e => Equals(e.Value("Direction"), direction)).Select(e => (string)e.Value("Line")!)];

    /// <inheritdoc/>
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    /// <inheritdoc/>
    public bool IsEnabled(LogLevel logLevel) => logLevel >= minimum;

    /// <inheritdoc/>
    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        var values = state as IEnumerable<KeyValuePair<string, object?>> ?? [];
        _entries.Enqueue(new Entry(logLevel, eventId, formatter(state, exception), [.. values]));
    }

    /// <summary>One logged entry.</summary>
    /// <param name="Level">Its level.</param>
    /// <param name="EventId">Its event id.</param>
    /// <param name="Message">The formatted message.</param>
    /// <param name="Values">The structured values of its template.</param>
    public sealed record Entry(LogLevel Level, EventId EventId, string Message, IReadOnlyList<KeyValuePair<string, object?>> Values)
    {
        /// <summary>The structured value named <paramref name="name"/>, or null.</summary>
        public object? Value(string name) => Values.FirstOrDefault(v => v.Key == name).Value;

        /// <summary>Everything the entry carries, as text: its message and every structured value.</summary>
        public string AllText => Message + "\n" + string.Join("\n", Values.Select(v => $"{v.Key}={v.Value}"));
    }
}
