using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AgentCoherence.Redis.Tests.Jepsen;

/// <summary>Counts the clients' log events by name (and store retries by operation), for the run's summary.</summary>
internal sealed class CountingLoggerFactory(Action<string, string>? onRetry = null) : ILoggerFactory, ILogger
{
    public ConcurrentDictionary<string, int> Events { get; } = new(StringComparer.Ordinal);

    public ConcurrentDictionary<string, int> RetriesByOperation { get; } = new(StringComparer.Ordinal);

    public ILogger CreateLogger(string categoryName) => this;

    public void AddProvider(ILoggerProvider provider)
    {
    }

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        Events.AddOrUpdate(eventId.Name ?? eventId.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), 1, (_, n) => n + 1);
        if (eventId.Name == "StoreRetry" && state is IReadOnlyList<KeyValuePair<string, object?>> values)
        {
            var value = (string name) => values.FirstOrDefault(v => v.Key == name).Value?.ToString() ?? "?";
            RetriesByOperation.AddOrUpdate(value("Operation"), 1, (_, n) => n + 1);
            onRetry?.Invoke(value("Agent"), $"{value("Operation")} attempt {value("Attempt")} failed ({exception?.GetType().Name}), op {value("OperationId")}");
        }
    }

    public void Dispose()
    {
    }
}
