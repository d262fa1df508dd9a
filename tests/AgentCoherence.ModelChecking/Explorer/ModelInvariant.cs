namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>The properties the explorer checks, named as in PROTOCOL.md.</summary>
internal enum ModelInvariant
{
    /// <summary>At most one agent in E∪M per artifact (every state).</summary>
    SingleWriter,

    /// <summary>An agent in S, E or M has ViewVersion == Version (every state).</summary>
    ViewCurrent,

    /// <summary>A version never decreases, moves by exactly one, is never reused, and a record never vanishes (every step).</summary>
    MonotonicVersion,

    /// <summary>A version moves only by a write based on the version it replaces (every step).</summary>
    NoLostUpdate,

    /// <summary>A version moves only by an agent whose read epoch is not behind the owner epoch (every step).</summary>
    NoStaleApply,

    /// <summary>A refused operation leaves the state exactly as it was (every refused step).</summary>
    RefusalChangesNothing,
}
