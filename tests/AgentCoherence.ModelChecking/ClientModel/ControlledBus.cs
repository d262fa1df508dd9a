using AgentCoherence.Signals;

namespace AgentCoherence.ModelChecking.ClientModel;

/// <summary>
/// A bus that queues every published signal until the explorer delivers it, in any order. A signal
/// that is never delivered is a dropped one, so dropping needs no step of its own: every state on the
/// way is checked with the signal still queued.
/// </summary>
internal sealed class ControlledBus : IEventBus
{
    private readonly List<Func<InvalidationSignal, ValueTask>> _subscribers = [];
    private int _published;

    /// <summary>Signals published and not yet delivered, with their publish order.</summary>
    public List<(int Number, InvalidationSignal Signal)> Queued { get; } = [];

    /// <summary>Raised for every published signal.</summary>
    public event Action<InvalidationSignal>? Published;

    public ValueTask PublishAsync(IReadOnlyList<InvalidationSignal> signals, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(signals);
        foreach (var signal in signals)
        {
            Queued.Add((++_published, signal));
            Published?.Invoke(signal);
        }

        return ValueTask.CompletedTask;
    }

    public ValueTask<IAsyncDisposable> SubscribeAsync(Func<InvalidationSignal, ValueTask> handler, CancellationToken cancellationToken = default)
    {
        _subscribers.Add(handler);
        return ValueTask.FromResult<IAsyncDisposable>(new Subscription(this, handler));
    }

    /// <summary>Delivers one queued signal to every subscriber (each client dispatches it to its own agent).</summary>
    public InvalidationSignal Deliver(int number)
    {
        var index = Queued.FindIndex(q => q.Number == number);
        if (index < 0)
        {
            throw new InvalidOperationException($"No queued signal #{number}.");
        }

        var signal = Queued[index].Signal;
        Queued.RemoveAt(index);
        foreach (var subscriber in _subscribers.ToArray())
        {
            var handled = subscriber(signal);
            if (!handled.IsCompleted)
            {
                throw new InvalidOperationException("A subscriber did not handle a signal synchronously.");
            }

            handled.GetAwaiter().GetResult();
        }

        return signal;
    }

    private sealed class Subscription(ControlledBus bus, Func<InvalidationSignal, ValueTask> handler) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            bus._subscribers.Remove(handler);
            return ValueTask.CompletedTask;
        }
    }
}
