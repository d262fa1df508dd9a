namespace AgentCoherence;

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
