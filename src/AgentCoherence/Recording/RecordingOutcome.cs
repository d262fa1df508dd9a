namespace AgentCoherence.Recording;

/// <summary>How a recorded operation ended, as its caller saw it.</summary>
public enum RecordingOutcome
{
    /// <summary>It succeeded (a write landed, a read returned, an event happened).</summary>
    Ok,

    /// <summary>The store refused it (<see cref="RecordingEntry.Reason"/> says why); nothing changed.</summary>
    Refused,

    /// <summary>The store failed before applying anything (<see cref="StoreUnavailableException"/>).</summary>
    Unavailable,

    /// <summary>The store failed after the request may have been applied: the write may or may not have landed.</summary>
    Unknown,
}
