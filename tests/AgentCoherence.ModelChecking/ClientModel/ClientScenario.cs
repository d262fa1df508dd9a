using AgentCoherence.Internal;

namespace AgentCoherence.ModelChecking.ClientModel;

/// <summary>One operation of an agent's script, as application code would call it.</summary>
internal enum ScriptStep
{
    /// <summary><c>ReadAsync</c>: a hit when the cache serves it, else a fetch or a re-validation.</summary>
    Read,

    /// <summary><c>WriteCasAsync</c> against the version of the agent's last read (0 when none).</summary>
    Cas,

    /// <summary><c>UpdateAsync</c>: read (a hit when it can), compute, compare-and-set, re-read and retry on a retryable conflict.</summary>
    Update,

    /// <summary>
    /// <c>WriteAsync</c> under the grant (acquire, commit, release); on StaleView or StaleEpoch the documented
    /// recovery: <c>ReacquireAsync</c>, re-derive, write once more.
    /// </summary>
    Write,
}

/// <summary>How far the explorer lets faults and time go on one path.</summary>
/// <param name="Losses">Replies (or requests) lost per chain: per script operation, and per eager refresh.</param>
/// <param name="LoseRequests">Also lose write requests before they reach the store (not only replies after it applied them).</param>
/// <param name="LoseReadReplies">Also lose the replies of reads (their effect, a registered view, stays).</param>
/// <param name="Sweeps">Sweeps per path; each moves the clock past the heartbeat timeout first, so a grant held then is reclaimed.</param>
/// <param name="LeaseTicks">For the lease strategy: steps of the clock by the lease's time to live.</param>
/// <param name="Forgets">Times per path the store forgets an agent (its registration, views, grants and recorded operations).</param>
/// <param name="ForgetMidOperation">
/// Also forget an agent while one of its operations runs. Off by default: the store then loses the
/// operation ids it recorded, so a write whose reply was lost cannot be resolved (see the README's findings).
/// </param>
/// <param name="UpdateRetries">UpdateOptions.MaxRetries.</param>
/// <param name="MaxStates">A safety stop.</param>
internal sealed record ClientBounds(
    int Losses = 1,
    bool LoseRequests = true,
    bool LoseReadReplies = true,
    int Sweeps = 1,
    int LeaseTicks = 1,
    int Forgets = 0,
    bool ForgetMidOperation = false,
    int UpdateRetries = 1,
    int MaxStates = 2_000_000)
{
    public override string ToString() =>
        $"losses<={Losses} per operation ({(LoseReadReplies ? "read and write replies" : "write replies")}{(LoseRequests ? ", write requests" : string.Empty)}), sweeps<={Sweeps}, lease ticks<={LeaseTicks}, forgets<={Forgets}{(ForgetMidOperation ? " (mid-operation too)" : string.Empty)}, update retries {UpdateRetries}";
}

/// <summary>Two agents, each in its own client (two processes) over one store and one bus, running a script on one artifact.</summary>
/// <param name="Strategy">Both agents' cache strategy.</param>
/// <param name="ScriptA">Agent a's operations, in order.</param>
/// <param name="ScriptB">Agent b's operations, in order.</param>
/// <param name="Bounds">Faults and time.</param>
internal sealed record ClientScenario(CacheStrategy Strategy, ScriptStep[] ScriptA, ScriptStep[] ScriptB, ClientBounds Bounds)
{
    /// <summary>The client's guards: all on, except in a mutant.</summary>
    public ClientGuards Guards { get; init; } = ClientGuards.All;

    public override string ToString() =>
        $"{Strategy}: a=[{string.Join(",", ScriptA)}] b=[{string.Join(",", ScriptB)}], {Bounds}{(Guards == ClientGuards.All ? string.Empty : $", guards off: {ClientGuards.All & ~Guards}")}";
}
