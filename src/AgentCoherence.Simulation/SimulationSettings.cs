using AgentCoherence.Protocol;

namespace AgentCoherence.Simulation;

/// <summary>One run: a workload, a cache strategy, a seed and the faults to inject.</summary>
public sealed record SimulationSettings
{
    /// <summary>What the fleet does.</summary>
    public required SimulationWorkload Workload { get; init; }

    /// <summary>Every agent's cache strategy.</summary>
    public CacheStrategy Strategy { get; init; } = CacheStrategy.Lazy;

    /// <summary>The seed of the run's one random source: the same seed gives the same run.</summary>
    public int Seed { get; init; }

    /// <summary>The faults to inject.</summary>
    public SimulationFaults Faults { get; init; } = SimulationFaults.None;

    /// <summary>Checks the invariants after every tick (and every store write); on by default.</summary>
    public bool CheckInvariants { get; init; } = true;

    /// <summary>
    /// Builds the store the fleet shares, on the run's simulated clock; a new <see cref="InMemoryDirectoryStore"/> when
    /// null. The store must answer every call synchronously (the in-memory store does; so does an uncontended
    /// <c>SqliteDirectoryStore</c>): the run is single-threaded, and a call that does not complete at once stops it
    /// with an error. Called once per run; the run disposes the store (<see cref="IAsyncDisposable"/> or
    /// <see cref="IDisposable"/>) when it ends.
    /// </summary>
    public Func<TimeProvider, IDirectoryStore>? StoreFactory { get; init; }

    /// <summary>
    /// The store's name as <c>coherence simulate --store</c> takes it (<c>sqlite</c>, say), added to a violation's
    /// reproduce command; null for the default in-memory store.
    /// </summary>
    public string? StoreName { get; init; }

    /// <summary>Called with every client (one per simulated process) right after it is created, before its agent is.</summary>
    public Action<CoherenceClient>? ClientCreated { get; init; }
}
