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

/// <summary>Helpers for <see cref="HolderState"/>.</summary>
public static class HolderStateExtensions
{
    /// <summary>True for <see cref="HolderState.Exclusive"/> and <see cref="HolderState.Modified"/>: the state holds the write grant.</summary>
    public static bool HoldsGrant(this HolderState state) => state is HolderState.Exclusive or HolderState.Modified;

    /// <summary>The one-letter MESI name: M, E, S or I.</summary>
    public static char Letter(this HolderState state) => state switch
    {
        HolderState.Modified => 'M',
        HolderState.Exclusive => 'E',
        HolderState.Shared => 'S',
        _ => 'I',
    };
}
