namespace AgentCoherence;

/// <summary>
/// What one agent's reads, writes and signals cost, in the protocol's token accounting: a hit costs 1
/// token, a fetch costs the content's tokens, a commit costs the content's tokens once, a signal costs
/// its compact text's <c>o200k_base</c> tokens.
/// </summary>
/// <param name="Reads">Reads served.</param>
/// <param name="Hits">Reads served locally, re-validations that found no change included.</param>
/// <param name="Misses">Reads that fetched content.</param>
/// <param name="Revalidations">Version-only checks with the store.</param>
/// <param name="Commits">Successful commits and deletes.</param>
/// <param name="Refusals">Operations the store refused.</param>
/// <param name="SignalsReceived">Signals applied (after de-duplication).</param>
/// <param name="TokensFetched">Content tokens moved to this agent (misses, eager refreshes, broadcast pushes).</param>
/// <param name="TokensWritten">Content tokens this agent committed.</param>
/// <param name="SignalTokens">Tokens of the signals this agent received.</param>
public sealed record AgentStats(
    long Reads,
    long Hits,
    long Misses,
    long Revalidations,
    long Commits,
    long Refusals,
    long SignalsReceived,
    long TokensFetched,
    long TokensWritten,
    long SignalTokens)
{
    /// <summary>Hits over reads.</summary>
    public double HitRate => Reads == 0 ? 0 : (double)Hits / Reads;

    /// <summary>Everything this agent paid, signals excluded.</summary>
    public long TokensWithoutSignals => Hits + TokensFetched + TokensWritten;

    /// <summary>Everything this agent paid.</summary>
    public long TokensTotal => TokensWithoutSignals + SignalTokens;
}
