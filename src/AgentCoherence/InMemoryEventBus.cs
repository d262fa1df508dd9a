using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using AgentCoherence.Signals;

using AgentCoherence.Internal;

namespace AgentCoherence;

/// <summary>
/// An in-process bus: publishing calls every subscriber in turn on the publisher's task. A
/// subscriber that throws is logged and skipped; the others still receive the signal.
/// </summary>
public sealed class InMemoryEventBus : IEventBus
{
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private Func<InvalidationSignal, ValueTask>[] _handlers = [];

    /// <summary>Creates a bus with no subscribers.</summary>
    public InMemoryEventBus(ILogger<InMemoryEventBus>? logger = null)
    {
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <inheritdoc />
    public async ValueTask PublishAsync(IReadOnlyList<InvalidationSignal> signals, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signals);
        var handlers = Volatile.Read(ref _handlers);
        for (var i = 0; i < signals.Count; i++)
        {
            foreach (var handler in handlers)
            {
                try
                {
                    await handler(signals[i]).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    Log.SubscriberFailed(_logger, ex, signals[i].Key.ToString());
                }
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> SubscribeAsync(Func<InvalidationSignal, ValueTask> handler, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_gate)
        {
            _handlers = [.. _handlers, handler];
        }

        return ValueTask.FromResult<IAsyncDisposable>(new Subscription(this, handler));
    }

    private void Unsubscribe(Func<InvalidationSignal, ValueTask> handler)
    {
        lock (_gate)
        {
            _handlers = _handlers.Where(h => h != handler).ToArray();
        }
    }

    private sealed class Subscription(InMemoryEventBus bus, Func<InvalidationSignal, ValueTask> handler) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            bus.Unsubscribe(handler);
            return ValueTask.CompletedTask;
        }
    }
}
