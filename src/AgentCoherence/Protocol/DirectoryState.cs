namespace AgentCoherence.Protocol;

/// <summary>
/// Everything the authority knows: one record per artifact and the registered agents' heartbeats.
/// The in-memory store keeps one under a lock; other stores load the part an operation touches,
/// apply <see cref="CoherenceRules"/> to it and persist it in one atomic step.
/// </summary>
public sealed class DirectoryState
{
    /// <summary>Records by key.</summary>
    public Dictionary<ArtifactKey, DirectoryRecord> Records { get; } = new();

    /// <summary>Registered agents and their last heartbeat.</summary>
    public Dictionary<AgentId, DateTimeOffset> Heartbeats { get; } = new();

    /// <summary>The writes each agent had applied (exactly-once retries).</summary>
    public OperationLog Operations { get; private set; } = new();

    /// <summary>A deep copy.</summary>
    public DirectoryState Clone()
    {
        var copy = new DirectoryState();
        foreach (var (key, record) in Records)
        {
            copy.Records[key] = record.Clone();
        }

        foreach (var (agent, at) in Heartbeats)
        {
            copy.Heartbeats[agent] = at;
        }

        copy.Operations = Operations.Clone();
        return copy;
    }
}
