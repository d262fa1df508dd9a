namespace AgentCoherence.Internal;

/// <summary>
/// The protocol's guards, as switches. Production code always runs with <see cref="All"/>; the model
/// checker turns one off at a time to prove its invariants catch the resulting mutant.
/// </summary>
[Flags]
internal enum ProtocolGuards
{
    None = 0,

    /// <summary>CommitCas refuses an expected version older than the current one.</summary>
    VersionCheck = 1,

    /// <summary>Acquire and CommitCas refuse while another agent holds E/M.</summary>
    HolderCheck = 2,

    /// <summary>Commit and CommitCas refuse a caller whose read epoch predates the owner epoch.</summary>
    Fence = 4,

    /// <summary>Acquire refuses a caller whose view is not current.</summary>
    StaleViewCheck = 8,

    /// <summary>Commit requires the caller to hold the grant (E/M).</summary>
    SingleGrant = 16,

    /// <summary>A commit moves every peer holding a view to I.</summary>
    Invalidation = 32,

    All = VersionCheck | HolderCheck | Fence | StaleViewCheck | SingleGrant | Invalidation,
}
