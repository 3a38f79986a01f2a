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

    /// <summary>A logger that records into this capture.</summary>
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Ignored: this factory is its own only provider.</summary>
    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    /// <summary>Nothing to release.</summary>
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
