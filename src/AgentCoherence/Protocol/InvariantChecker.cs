namespace AgentCoherence.Protocol;

/// <summary>
/// Cheap runtime checks of the protocol invariants, run by stores after every step in debug builds
/// (and so in every test run), and by the model checker in every reachable state.
/// </summary>
public static class InvariantChecker
{
    /// <summary>SingleWriter and ViewCurrent on one record.</summary>
    /// <returns>Null when both hold, else a description of the violation.</returns>
    public static string? CheckRecord(DirectoryRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        AgentId? writer = null;
        foreach (var (agent, entry) in record.Holders)
        {
            if (entry.State.HoldsGrant())
            {
                if (writer is { } other)
                {
                    return $"SingleWriter violated on '{record.Key}': {other} and {agent} both hold E/M.";
                }

                writer = agent;
            }

            if (entry.State != HolderState.Invalid && entry.ViewVersion != record.Version)
            {
                return $"ViewCurrent violated on '{record.Key}': {agent} is {entry.State.Letter()} with view v{entry.ViewVersion} but the version is v{record.Version}.";
            }
        }

        return null;
    }

    /// <summary>MonotonicVersion across one step.</summary>
    public static string? CheckVersionStep(ArtifactKey key, long before, long after) =>
        after < before ? $"MonotonicVersion violated on '{key}': v{before} went back to v{after}." : null;

    /// <summary>Throws <see cref="InvariantViolationException"/> when a record breaks an invariant.</summary>
    public static void Assert(DirectoryRecord record)
    {
        if (CheckRecord(record) is { } violation)
        {
            throw new InvariantViolationException(violation);
        }
    }
}
