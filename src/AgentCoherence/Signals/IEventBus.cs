namespace AgentCoherence.Signals;

/// <summary>
/// Carries invalidation signals between processes. Each process subscribes once and dispatches to its
/// local agents. Delivery may drop, duplicate, delay or reorder signals: they are hints for caches,
/// and the store's commit-time checks keep every guarantee without them.
/// </summary>
public interface IEventBus
{
    /// <summary>Publishes the signals one store step produced.</summary>
    ValueTask PublishAsync(IReadOnlyList<InvalidationSignal> signals, CancellationToken cancellationToken = default);

    /// <summary>Subscribes a handler to every signal; dispose the returned handle to stop.</summary>
    ValueTask<IAsyncDisposable> SubscribeAsync(Func<InvalidationSignal, ValueTask> handler, CancellationToken cancellationToken = default);
}
