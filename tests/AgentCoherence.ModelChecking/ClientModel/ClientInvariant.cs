namespace AgentCoherence.ModelChecking.ClientModel;

/// <summary>What the client explorer checks, named after PROTOCOL.md ("Faults", "Signals", "Agent-side cache strategies").</summary>
internal enum ClientInvariant
{
    /// <summary>
    /// A write lands only at the owner epoch the agent's view was read at: the epoch captured when the
    /// caller derived the write (the agent's read epoch at the store when a CAS started or an update
    /// function ran; the epoch its Acquire took for a grant write). Only the caller's own reads may
    /// re-arm a fence, never the client resolving a lost reply.
    /// </summary>
    NoStaleApply,

    /// <summary>One client write call is applied by the store at most once, and a call reported as landed was applied, at the version reported.</summary>
    NoDoubleApply,

    /// <summary>A call whose write was applied returns success: never a refusal, never an unknown outcome (retries are not exhausted within the bounds).</summary>
    LandedMeansLanded,

    /// <summary>Every signal a landed write produced is on the bus by the time the call returns, also when its reply was lost.</summary>
    SignalsPublished,

    /// <summary>
    /// Once a signal for version v at owner epoch e was delivered to an agent, a read it would serve from
    /// its cache returns a view at (v, e) or newer: never an older version, never the same version read or
    /// committed at an older epoch.
    /// </summary>
    CacheNotStale,

    /// <summary>A signal is dropped only when one with the same key, kind, version and epoch, or a newer (version, epoch), was delivered before; otherwise it is applied.</summary>
    SignalIdentity,

    /// <summary>An agent the store forgot registers again: no call fails with UnknownAgent (within one forget per path).</summary>
    Reregistration,

    /// <summary>The store's own invariant checker (Debug builds) threw while applying a step.</summary>
    StoreInvariant,

    /// <summary>A call failed in a way the contract does not allow (not a refusal, not a fault of the bounds), or no step was enabled while an operation was still running.</summary>
    UnexpectedFailure,
}
