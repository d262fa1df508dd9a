namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>The steps the explorer can take: every operation of the protocol plus the passing of time.</summary>
internal enum ModelOperationKind
{
    Read,
    Acquire,
    Commit,
    CommitCas,
    Release,
    Delete,
    DeleteCas,
    Heartbeat,
    Tick,
    Sweep,
}
