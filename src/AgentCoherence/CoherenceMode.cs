namespace AgentCoherence;

/// <summary>
/// What a client does with a write the store refuses for coordination (<see cref="CoherenceOptions.Mode"/>,
/// configuration key <c>AgentCoherence:Mode</c>).
/// </summary>
public enum CoherenceMode
{
    /// <summary>The default: a write that would clobber newer work, race a grant holder or come from a fenced zombie is refused with its exception.</summary>
    Enforce = 0,

    /// <summary>
    /// Every write runs the real checks, but one refused for coordination (stale view, version conflict, held by
    /// another agent, stale epoch, not the owner) is applied anyway, as a system without coordination would, and
    /// reported as a would-be refusal: a Warning log (event 1016), the metric
    /// <c>coherence.observe.would_be_refused</c> and <see cref="CoherenceClient.WouldBeRefused"/>. Reads and
    /// signals behave as in <see cref="Enforce"/>. For measuring what enforcement would change before turning it on.
    /// </summary>
    Observe = 1,
}
