using AgentCoherence.Signals;

namespace AgentCoherence.Simulation.Internal;

/// <summary>
/// The simulated signal bus: published signals are queued and delivered at tick boundaries, each to its
/// recipient's current process, with the run's seeded faults applied (loss, duplication, delay, reordering,
/// partitions). A stalled recipient's signals wait; a crashed one's are dropped.
/// </summary>
internal sealed class SimNetwork(SimulationRun run)
{
    private readonly List<Queued> _queue = [];
    private readonly Dictionary<int, Func<InvalidationSignal, ValueTask>> _handlers = [];
    private long _sequence;

    public long Published { get; private set; }

    public IEventBus Endpoint(int process) => new EndpointBus(this, process);

    public void Publish(int sender, IReadOnlyList<InvalidationSignal> signals)
    {
        var faults = run.Faults;
        foreach (var signal in signals)
        {
            Published++;
            run.Published(signal);
            if (faults.SignalLoss > 0 && run.Random.NextDouble() < faults.SignalLoss)
            {
                run.Counts.SignalsLost++;
                continue;
            }

            if (run.Partitioned(sender, signal.Recipient.Value))
            {
                run.Counts.SignalsPartitioned++;
                continue;
            }

            var delay = 0;
            if (faults.SignalDelay > 0 && run.Random.NextDouble() < faults.SignalDelay)
            {
                delay = run.Random.Next(1, Math.Max(1, faults.MaxSignalDelayTicks) + 1);
                run.Counts.SignalsDelayed++;
            }

            _queue.Add(new Queued(run.Tick + delay, ++_sequence, signal));
            if (faults.SignalDuplication > 0 && run.Random.NextDouble() < faults.SignalDuplication)
            {
                run.Counts.SignalsDuplicated++;
                _queue.Add(new Queued(run.Tick + delay + run.Random.Next(0, 2), ++_sequence, signal));
            }
        }
    }

    /// <summary>Delivers every signal due by <paramref name="tick"/> whose recipient runs.</summary>
    public void Deliver(int tick)
    {
        var due = new List<Queued>();
        for (var i = 0; i < _queue.Count; i++)
        {
            var item = _queue[i];
            if (item.Tick > tick)
            {
                continue;
            }

            switch (run.RecipientState(item.Signal.Recipient.Value))
            {
                case SimProcessState.Running:
                    due.Add(item);
                    _queue.RemoveAt(i--);
                    break;
                case SimProcessState.Crashed:
                    _queue.RemoveAt(i--);
                    break;
            }
        }

        if (run.Faults.Reorder && due.Count > 1)
        {
            run.Random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(due));
            run.Counts.Reorderings++;
        }

        foreach (var item in due)
        {
            var process = run.CurrentProcessOf(item.Signal.Recipient.Value);
            if (process is not null && _handlers.TryGetValue(process.Value, out var handler))
            {
                run.Delivered(process.Value, item.Signal);
                run.Await(handler(item.Signal));
                run.Drain();
            }
        }
    }

    private readonly record struct Queued(int Tick, long Sequence, InvalidationSignal Signal);

    private sealed class EndpointBus(SimNetwork network, int process) : IEventBus
    {
        public ValueTask PublishAsync(IReadOnlyList<InvalidationSignal> signals, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(signals);
            network.Publish(process, signals);
            return ValueTask.CompletedTask;
        }

        public ValueTask<IAsyncDisposable> SubscribeAsync(Func<InvalidationSignal, ValueTask> handler, CancellationToken cancellationToken = default)
        {
            ArgumentNullException.ThrowIfNull(handler);
            network._handlers[process] = handler;
            return ValueTask.FromResult<IAsyncDisposable>(new Subscription(network, process));
        }
    }

    private sealed class Subscription(SimNetwork network, int process) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            network._handlers.Remove(process);
            return ValueTask.CompletedTask;
        }
    }
}
