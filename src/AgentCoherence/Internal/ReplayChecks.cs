namespace AgentCoherence.Internal;

/// <summary>
/// Replay's checks, as switches. <see cref="Recording.RecordingReplay"/> always runs with <see cref="All"/>; tests
/// turn one off to prove a planted violation is caught by that check and by no other.
/// </summary>
[Flags]
internal enum ReplayChecks
{
    None = 0,

    /// <summary>Every recorded outcome is the rules' outcome (refusal reason, versions, signal recipients).</summary>
    Outcomes = 1,

    /// <summary>InvariantChecker.CheckRecord and CheckVersionStep after every step.</summary>
    StateInvariants = 2,

    /// <summary>No two landed writes produce the same version of a key.</summary>
    UniqueVersion = 4,

    /// <summary>A key's landed versions have no gap that no uncertain attempt accounts for.</summary>
    ContiguousVersions = 8,

    /// <summary>No write lands from a stale view (CAS expected behind, grant commit after a reclaim or from an old view).</summary>
    NoStaleApply = 16,

    /// <summary>One operation id lands at most once.</summary>
    NoDoubleApply = 32,

    /// <summary>Cache hits and delivered signals agree with the store operations.</summary>
    ClientEvents = 64,

    All = Outcomes | StateInvariants | UniqueVersion | ContiguousVersions | NoStaleApply | NoDoubleApply | ClientEvents,
}
