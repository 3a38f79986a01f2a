using System.Text;
using Microsoft.Extensions.Logging;

namespace AtMqtt.EndToEnd.Tests.Tls.Support;

/// <summary>Keeps every log line of an in-process modem (all levels, exceptions included) for assertions.</summary>
public sealed class CapturingLoggerFactory : ILoggerFactory
{
    private readonly object _gate = new();
    private readonly StringBuilder _text = new();

    /// <summary>Everything logged so far, one entry per line: <c>level category: message</c>, then any exception.</summary>
    public string Text
    {
        get
        {
            lock (_gate)
            {
                return _text.ToString();
            }
        }
    }

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void AddProvider(ILoggerProvider provider) => throw new NotSupportedException();

    public void Dispose()
    {
    }

    private void Append(LogLevel level, string category, string message, Exception? exception)
    {
        lock (_gate)
        {
            _text.Append(level).Append(' ').Append(category).Append(": ").Append(message).Append('\n');
            if (exception is not null)
            {
                _text.Append(exception).Append('\n');
            }
        }
    }

    private sealed class Logger(CapturingLoggerFactory owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Append(logLevel, category, formatter(state, exception), exception);
    }
}
