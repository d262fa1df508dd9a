namespace AgentCoherence;

/// <summary>Why a store refused an operation. Each value maps to one exception type.</summary>
public enum RefusalReason
{
    /// <summary>The caller's view is not current; re-read and re-derive. See <see cref="StaleViewException"/>.</summary>
    StaleView = 1,

    /// <summary>Another agent holds the write grant; retry later. See <see cref="HeldByOtherException"/>.</summary>
    HeldByOther = 2,

    /// <summary>The caller holds no grant. See <see cref="NotOwnerException"/>.</summary>
    NotOwner = 3,

    /// <summary>The expected version is older than the current one. See <see cref="VersionConflictException"/>.</summary>
    VersionConflict = 4,

    /// <summary>The caller's read epoch predates a reclamation. See <see cref="StaleEpochException"/>.</summary>
    StaleEpoch = 5,

    /// <summary>The artifact does not exist or is deleted. See <see cref="ArtifactNotFoundException"/>.</summary>
    NotFound = 6,

    /// <summary>The expected version is newer than the current one: a caller bug. See <see cref="CoherenceArgumentException"/>.</summary>
    ExpectedVersionAhead = 7,

    /// <summary>The agent is not registered (never started, or it left). See <see cref="UnknownAgentException"/>.</summary>
    UnknownAgent = 8,
}
