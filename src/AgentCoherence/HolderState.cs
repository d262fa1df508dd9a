namespace AgentCoherence;

/// <summary>The MESI state of one agent's view of one artifact.</summary>
public enum HolderState
{
    /// <summary>No valid view: never read, invalidated by a peer's commit, released from nothing, or reclaimed.</summary>
    Invalid = 0,

    /// <summary>Holds a current read view.</summary>
    Shared = 1,

    /// <summary>Holds the write grant; nothing committed under it yet.</summary>
    Exclusive = 2,

    /// <summary>Holds the write grant and has committed under it.</summary>
    Modified = 3,
}
