using Microsoft.Extensions.Logging;

namespace AtMqtt.Testing;

/// <summary>Keeps every log line of an in-process modem (all levels) for counting and assertions.</summary>
public sealed class LogCapture : ILoggerFactory
{
    private readonly List<string> _lines = [];

    /// <summary>Everything logged so far, one entry per line: <c>level category: message</c>.</summary>
    public IReadOnlyList<string> Lines
    {
        get
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }
    }

    /// <summary>How many lines contain <paramref name="text"/>.</summary>
    public int Count(string text) => Lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private void Append(LogLevel level, string category, string message)
    {
        lock (_lines)
        {
            _lines.Add($"{level} {category}: {message}");
        }
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Append(logLevel, category, formatter(state, exception));
    }
}
