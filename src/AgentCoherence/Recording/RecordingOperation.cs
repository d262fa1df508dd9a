namespace AgentCoherence.Recording;

/// <summary>What one line of a recording records: a call at the client's store boundary, or a client-side event.</summary>
public enum RecordingOperation
{
    /// <summary>An agent registered (or re-registered after the store forgot it).</summary>
    Register,

    /// <summary>A heartbeat.</summary>
    Heartbeat,

    /// <summary>A read from the store (a miss, a re-validation, or a read that registered a view).</summary>
    Read,

    /// <summary>A read served from the agent's local cache without calling the store.</summary>
    CacheHit,

    /// <summary>Acquire the write grant.</summary>
    Acquire,

    /// <summary>Commit under the grant.</summary>
    Commit,

    /// <summary>Optimistic commit against an expected version.</summary>
    CommitCas,

    /// <summary>Delete under the grant.</summary>
    Delete,

    /// <summary>Optimistic delete against an expected version.</summary>
    DeleteCas,

    /// <summary>Atomic multi-artifact publish.</summary>
    CommitAll,

    /// <summary>Release the grant.</summary>
    Release,

    /// <summary>A clean leave of an agent.</summary>
    Forget,

    /// <summary>Crash recovery over every artifact.</summary>
    Sweep,

    /// <summary>Observe mode: a write the protocol refused, applied anyway as an uncoordinated system would.</summary>
    Override,

    /// <summary>An invalidation delivered to an agent (<see cref="RecordingEntry.Agent"/> is the recipient).</summary>
    SignalDelivered,

    /// <summary>
    /// Not an operation: the recorder dropped <see cref="RecordingEntry.Dropped"/> lines here because its queue was full
    /// (<see cref="RecordingOverflow.Drop"/>); <see cref="RecordingEntry.Started"/> and <see cref="RecordingEntry.Completed"/>
    /// span the dropped lines. Replay cannot check past it.
    /// </summary>
    Gap,
}
