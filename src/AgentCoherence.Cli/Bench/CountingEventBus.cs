using AgentCoherence.Signals;

namespace AgentCoherence.Cli.Bench;

/// <summary>
/// Wraps a bus and counts what is published on it, so the report can show that every signal the
/// store produced reached its recipient (published == received).
/// </summary>
internal sealed class CountingEventBus(IEventBus inner) : IEventBus
{
    private long _published;

    public long Published => Interlocked.Read(ref _published);

    public ValueTask PublishAsync(IReadOnlyList<InvalidationSignal> signals, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signals);
        Interlocked.Add(ref _published, signals.Count);
        return inner.PublishAsync(signals, cancellationToken);
    }

    public ValueTask<IAsyncDisposable> SubscribeAsync(Func<InvalidationSignal, ValueTask> handler, CancellationToken cancellationToken = default) =>
        inner.SubscribeAsync(handler, cancellationToken);
}
