using Microsoft.Extensions.Logging;

namespace AtMqtt.Testing;

/// <summary>
/// Keeps every log line of an in-process modem (all levels, exceptions included) for counting and
/// assertions; give it as <c>ModemOptions.LoggerFactory</c>.
/// </summary>
public sealed class LogCapture : ILoggerFactory
{
    private readonly List<string> _lines = [];

    /// <summary>
    /// Everything logged so far, one entry per log call: <c>level category: message</c>, followed on the
    /// next lines by the exception, if any.
    /// </summary>
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

    /// <summary>Everything logged so far as one text, each entry ended by a line feed.</summary>
    public string Text => string.Concat(Lines.Select(l => l + "\n"));

    /// <summary>How many entries contain <paramref name="text"/>.</summary>
    public int Count(string text) => Lines.Count(l => l.Contains(text, StringComparison.Ordinal));

    /// <summary>A logger that records into this capture.</summary>
    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Not supported: this factory is its own only provider.</summary>
    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    /// <summary>Nothing to release.</summary>
    public void Dispose()
    {
    }

    private void Append(LogLevel level, string category, string message, Exception? exception)
    {
        string line = exception is null ? $"{level} {category}: {message}" : $"{level} {category}: {message}\n{exception}";
        lock (_lines)
        {
            _lines.Add(line);
        }
    }

    private sealed class Logger(LogCapture owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Append(logLevel, category, formatter(state, exception), exception);
    }
}
