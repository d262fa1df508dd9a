using AgentCoherence.Signals;

namespace AgentCoherence.Testing;

/// <summary>
/// Wraps a bus and misbehaves on purpose: drops, duplicates and reorders signals, with a fixed seed so
/// a failing run can be replayed. Used to prove that no guarantee rests on signal delivery.
/// </summary>
public sealed class ChaosEventBus : IEventBus
{
    private readonly IEventBus _inner;
    private readonly Random _random;
    private readonly Lock _gate = new();
    private readonly List<InvalidationSignal> _held = [];

    /// <summary>Creates the wrapper.</summary>
    public ChaosEventBus(IEventBus inner, int seed = 42)
    {
        _inner = inner;
        _random = new Random(seed);
    }

    /// <summary>Probability of dropping each signal (1 drops all).</summary>
    public double DropRate { get; init; }

    /// <summary>Probability of delivering a signal twice.</summary>
    public double DuplicateRate { get; init; }

    /// <summary>When above 1, signals are held until this many are pending, then delivered shuffled.</summary>
    public int ReorderWindow { get; init; }

    /// <summary>Signals dropped so far.</summary>
    public int Dropped { get; private set; }

    /// <summary>Extra copies delivered so far.</summary>
    public int Duplicated { get; private set; }

    /// <summary>Signals delivered in a different order than published.</summary>
    public int Reordered { get; private set; }

    /// <inheritdoc />
    public async ValueTask PublishAsync(IReadOnlyList<InvalidationSignal> signals, CancellationToken cancellationToken = default)
    {
        List<InvalidationSignal>? deliver = null;
        lock (_gate)
        {
            foreach (var signal in signals)
            {
                if (_random.NextDouble() < DropRate)
                {
                    Dropped++;
                    continue;
                }

                _held.Add(signal);
                if (_random.NextDouble() < DuplicateRate)
                {
                    _held.Add(signal);
                    Duplicated++;
                }
            }

            if (ReorderWindow <= 1 || _held.Count >= ReorderWindow)
            {
                deliver = TakeHeld(shuffle: ReorderWindow > 1);
            }
        }

        if (deliver is { Count: > 0 })
        {
            await _inner.PublishAsync(deliver, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Delivers whatever the reorder window still holds, shuffled.</summary>
    public async ValueTask FlushAsync(CancellationToken cancellationToken = default)
    {
        List<InvalidationSignal> deliver;
        lock (_gate)
        {
            deliver = TakeHeld(shuffle: true);
        }

        if (deliver.Count > 0)
        {
            await _inner.PublishAsync(deliver, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public ValueTask<IAsyncDisposable> SubscribeAsync(Func<InvalidationSignal, ValueTask> handler, CancellationToken cancellationToken = default) =>
        _inner.SubscribeAsync(handler, cancellationToken);

    private List<InvalidationSignal> TakeHeld(bool shuffle)
    {
        var taken = new List<InvalidationSignal>(_held);
        _held.Clear();
        if (shuffle && taken.Count > 1)
        {
            var before = taken.ToArray();
            for (var i = taken.Count - 1; i > 0; i--)
            {
                var j = _random.Next(i + 1);
                (taken[i], taken[j]) = (taken[j], taken[i]);
            }

            Reordered += before.Where((s, i) => !ReferenceEquals(s, taken[i])).Count();
        }

        return taken;
    }
}
