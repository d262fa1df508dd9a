namespace AgentCoherence.Internal;

/// <summary>
/// The client's fault-handling fixes, as switches. Production code always runs with <see cref="All"/>;
/// the client model checker (tests/AgentCoherence.ModelChecking) turns one off at a time to show its
/// invariants catch the client that results, as <see cref="ProtocolGuards"/> does for the rules.
/// </summary>
[Flags]
internal enum ClientGuards
{
    None = 0,

    /// <summary>
    /// A write whose outcome is unknown is resolved without side effects: the same write is sent again.
    /// Off: the client first reads the artifact (which registers a view and re-arms the agent's fence) and
    /// then retries with a fresh operation id, as the client before operation ids did.
    /// </summary>
    SideEffectFreeResolution = 1,

    /// <summary>A failed write is retried with its own operation id. Off: every attempt gets a fresh id.</summary>
    SameOperationId = 2,

    /// <summary>
    /// A write's outcome handler (its signals published, its cache kept) runs whichever attempt learned
    /// the outcome. Off: it runs only when the first reply arrived, so a write whose reply was lost
    /// publishes nothing.
    /// </summary>
    OutcomeAfterLostReply = 4,

    /// <summary>
    /// A fetched or re-validated copy is stored invalid when a signal for a newer version or owner epoch
    /// of its key arrived while the request was out. Off: it is stored valid.
    /// </summary>
    FetchRaceCheck = 8,

    /// <summary>
    /// A signal is identified by key, kind, version and owner epoch, and ordered by (version, epoch). Off: the
    /// epoch is ignored (identity key, kind and version; order by version), as the client before 43f810b did.
    /// </summary>
    SignalEpochIdentity = 16,

    /// <summary>An UnknownAgent refusal makes the agent register again and retry once. Off: it reaches the caller.</summary>
    Reregistration = 32,

    All = SideEffectFreeResolution | SameOperationId | OutcomeAfterLostReply | FetchRaceCheck | SignalEpochIdentity | Reregistration,
}
