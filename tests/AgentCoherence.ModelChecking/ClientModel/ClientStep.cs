namespace AgentCoherence.ModelChecking.ClientModel;

/// <summary>What the explorer can do next.</summary>
internal enum StepKind
{
    /// <summary>An idle agent starts its next scripted operation (target: agent index).</summary>
    Start,

    /// <summary>A held call's effect is applied on the store (target: call number).</summary>
    Apply,

    /// <summary>An applied call's reply reaches the client (target: call number).</summary>
    Reply,

    /// <summary>An applied call's reply is lost: the client sees an unknown outcome (target: call number).</summary>
    LoseReply,

    /// <summary>A held write is lost before the store saw it: the client sees an unknown outcome (target: call number).</summary>
    LoseRequest,

    /// <summary>A queued signal reaches its recipient (target: signal number).</summary>
    Deliver,

    /// <summary>The clock passes the heartbeat timeout and a sweep runs: held grants are reclaimed.</summary>
    Sweep,

    /// <summary>The clock moves by the lease time to live.</summary>
    Tick,

    /// <summary>The store forgets an agent, as data loss or another process leaving with the same id would (target: agent index).</summary>
    Forget,
}

/// <summary>One step. Targets are issue numbers, which a replay of the same path reproduces.</summary>
internal readonly record struct ClientStep(StepKind Kind, int Target);

/// <summary>What a step does to the directory store, for deciding which steps commute.</summary>
internal enum StoreEffect
{
    /// <summary>Nothing (a client-side step).</summary>
    None,

    /// <summary>A read: reads the version and epoch, registers the reader's own view.</summary>
    Read,

    /// <summary>An acquire: reads who holds the grant and the caller's view, takes the grant.</summary>
    Acquire,

    /// <summary>A release: the caller's own grant becomes a view.</summary>
    Release,

    /// <summary>A commit, compare-and-set or delete: moves the version and invalidates every peer.</summary>
    Write,

    /// <summary>A sweep: reclaims grants, moves the epoch.</summary>
    Sweep,

    /// <summary>The store forgets an agent.</summary>
    Forget,
}

/// <summary>
/// A step named by what it does to the state rather than by issue numbers: the same in every path that
/// reaches a state, so sleep sets stored with a state mean the same steps whichever path comes back to it.
/// <see cref="Agent"/> is the agent whose client the step touches (-1 for none).
/// </summary>
internal readonly record struct StepId(StepKind Kind, int Agent, ulong Detail, StoreEffect Store = StoreEffect.None)
{
    /// <summary>True when the step moves the clock.</summary>
    public bool MovesClock => Kind is StepKind.Sweep or StepKind.Tick;

    /// <summary>
    /// Two steps commute (either order reaches the same state, neither disables the other, and each step's
    /// checks read only what the other leaves alone) unless they touch the same agent's client, both touch
    /// the store in ways that do not commute, or one moves the clock while time matters (the lease strategy
    /// reads it on almost every step).
    /// </summary>
    public bool IndependentOf(StepId other, bool timeMatters) =>
        !(Agent >= 0 && Agent == other.Agent)
        && StoreCommutes(Store, other.Store)
        && !((MovesClock || other.MovesClock) && (timeMatters || (MovesClock && other.MovesClock)));

    // Different agents' store steps. A read leaves the version, the epoch and every other entry alone, and
    // nothing it returns depends on who holds the grant; a release touches only its caller's own entry.
    private static bool StoreCommutes(StoreEffect a, StoreEffect b) =>
        a == StoreEffect.None || b == StoreEffect.None
        || (a, b) is (StoreEffect.Read, StoreEffect.Read) or (StoreEffect.Read, StoreEffect.Acquire) or (StoreEffect.Acquire, StoreEffect.Read)
            or (StoreEffect.Read, StoreEffect.Release) or (StoreEffect.Release, StoreEffect.Read) or (StoreEffect.Release, StoreEffect.Release);
}
