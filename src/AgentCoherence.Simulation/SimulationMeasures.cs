namespace AgentCoherence.Simulation;

/// <summary>
/// What one run cost and how current its reads were. Token figures follow docs/protocol.md's accounting (a fetch
/// pays the artifact's tokens, a hit 1, a commit its content once, a received signal its compact text's
/// <c>o200k_base</c> tokens), summed over every agent, crashed incarnations included.
/// </summary>
public sealed record SimulationMeasures
{
    /// <summary>Agent actions started (reads and writes, scripted or drawn).</summary>
    public long Operations { get; init; }

    /// <summary>Reads served to agents (hits, re-validations and fetches).</summary>
    public long Reads { get; init; }

    /// <summary>Reads served without moving content (cache hits and re-validations).</summary>
    public long Hits { get; init; }

    /// <summary>Reads that fetched content.</summary>
    public long Misses { get; init; }

    /// <summary><see cref="Hits"/> / <see cref="Reads"/>.</summary>
    public double HitRate { get; init; }

    /// <summary>Writes the client reported landed.</summary>
    public long Writes { get; init; }

    /// <summary>Writes the store applied (each once; includes writes whose outcome the client never learned).</summary>
    public long WritesApplied { get; init; }

    /// <summary>Tokens of fetched content.</summary>
    public long TokensFetched { get; init; }

    /// <summary>Tokens of committed content.</summary>
    public long TokensWritten { get; init; }

    /// <summary>Signals the store produced and the clients published.</summary>
    public long SignalsPublished { get; init; }

    /// <summary>Signals agents applied (after de-duplication).</summary>
    public long SignalsApplied { get; init; }

    /// <summary>Tokens of the applied signals' compact text.</summary>
    public long SignalTokens { get; init; }

    /// <summary>Everything the fleet paid: hits, fetches, commits and signals.</summary>
    public long CoherentTokens { get; init; }

    /// <summary>
    /// The paper's synchronization cost: content moved to agents (fetches) plus signals. Hits and the writer's own
    /// commits are not synchronization and are not counted, as in the paper's simulator.
    /// </summary>
    public long SyncTokens { get; init; }

    /// <summary>No coherence: every read and every write moves the whole content.</summary>
    public long NoCoherenceTokens { get; init; }

    /// <summary>The paper's full-state broadcast: every agent receives every artifact it touches at every tick (n × S × Σ|d|).</summary>
    public long BroadcastTokens { get; init; }

    /// <summary>1 − <see cref="SyncTokens"/> / <see cref="BroadcastTokens"/>: the paper's measure.</summary>
    public double SavingsVsBroadcast { get; init; }

    /// <summary>
    /// Content fetched again because the store refused a write derived from a stale copy (the agent re-reads and
    /// writes again). The paper's simulator has no such cost: it lets a write land whatever version its writer held.
    /// </summary>
    public long RefetchTokens { get; init; }

    /// <summary>
    /// 1 − (<see cref="SyncTokens"/> − <see cref="RefetchTokens"/>) / <see cref="BroadcastTokens"/>: the paper's measure
    /// without the re-reads that refusing stale writes costs, i.e. what the paper's simulator would count for the same run.
    /// </summary>
    public double SavingsVsBroadcastAsPaper { get; init; }

    /// <summary>
    /// 1 − (<see cref="CoherentTokens"/>) / (<see cref="BroadcastTokens"/> + <see cref="TokensWritten"/>): the full accounting,
    /// with the writers' commits paid on both sides.
    /// </summary>
    public double SavingsVsBroadcastFull { get; init; }

    /// <summary>1 − <see cref="CoherentTokens"/> / <see cref="NoCoherenceTokens"/>.</summary>
    public double SavingsVsNoCoherence { get; init; }

    /// <summary>The theorem's lower bound on <see cref="SavingsVsBroadcast"/> for the workload.</summary>
    public double LowerBound { get; init; }

    /// <summary>Refusals the agents received, by reason.</summary>
    public IReadOnlyDictionary<string, long> Refusals { get; init; } = new SortedDictionary<string, long>(StringComparer.Ordinal);

    /// <summary>Agent-level retries: a write tried again after a refusal, a write whose unknown outcome was resolved.</summary>
    public long Retries { get; init; }

    /// <summary>Store calls that failed (each one retried by the client, or reported to the agent after the last attempt).</summary>
    public long StoreFailures { get; init; }

    /// <summary>Reads that served a version older than the store's current one.</summary>
    public long StaleReads { get; init; }

    /// <summary>Sum over stale reads of the ticks since the version served was superseded.</summary>
    public long StaleTicks { get; init; }

    /// <summary>The most ticks any stale read was behind.</summary>
    public long MaxStaleTicks { get; init; }

    /// <summary>Grants the sweep reclaimed.</summary>
    public long Reclaims { get; init; }
}
