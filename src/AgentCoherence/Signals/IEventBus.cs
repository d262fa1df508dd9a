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

    /// <summary>
    /// Connects to the broker and checks that it answers. The client calls it once from
    /// <see cref="CoherenceClient.StartAsync"/>, at host start or before the first operation, before it
    /// subscribes, and cancels <paramref name="cancellationToken"/> when <see cref="CoherenceOptions.StartTimeout"/>
    /// runs out; after a failure the next start calls it again. A bus that cannot connect throws
    /// <see cref="TransportUnavailableException"/> whose message names the setting, the address and the
    /// cause (when cancelled while still trying, the last cause it saw). The default does nothing: an
    /// in-process bus.
    /// </summary>
    ValueTask ConnectAsync(CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
}
