using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AgentCoherence.Testing;

/// <summary>A logger provider that keeps every entry, and lets a test await the first entry that matches.</summary>
public sealed class CapturingLoggerProvider : ILoggerProvider
{
    private readonly ConcurrentQueue<Entry> _entries = new();
    private readonly List<(Func<Entry, bool> Match, TaskCompletionSource<Entry> Done)> _waiters = [];
    private readonly Lock _gate = new();

    public IReadOnlyCollection<Entry> Entries => _entries;

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    /// <summary>Completes with the first entry (already logged or still to come) that matches.</summary>
    public Task<Entry> WaitFor(Func<Entry, bool> match)
    {
        lock (_gate)
        {
            var logged = _entries.FirstOrDefault(match);
            if (logged is not null)
            {
                return Task.FromResult(logged);
            }

            var done = new TaskCompletionSource<Entry>(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((match, done));
            return done.Task;
        }
    }

    public void Dispose()
    {
    }

    private void Add(Entry entry)
    {
        lock (_gate)
        {
            _entries.Enqueue(entry);
            foreach (var waiter in _waiters.Where(w => w.Match(entry)).ToList())
            {
                _waiters.Remove(waiter);
                waiter.Done.TrySetResult(entry);
            }
        }
    }

    /// <summary>One log call.</summary>
    public sealed record Entry(string Category, LogLevel Level, EventId EventId, string Message);

    private sealed class Logger(CapturingLoggerProvider owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Add(new Entry(category, logLevel, eventId, formatter(state, exception)));
    }
}
