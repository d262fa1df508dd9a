namespace AgentCoherence;

/// <summary>
/// A write that enforcement would have refused and observe mode (<see cref="CoherenceMode.Observe"/>) applied
/// anyway: raised by <see cref="CoherenceClient.WouldBeRefused"/> before the uncoordinated write is sent.
/// </summary>
/// <param name="Agent">The writer.</param>
/// <param name="Key">The artifact.</param>
/// <param name="Operation">The write that was refused: <c>Acquire</c>, <c>Commit</c>, <c>CommitCas</c>, <c>Delete</c> or <c>CommitAll</c>.</param>
/// <param name="Refusal">The store's refusal, with its reason and versions (<see cref="Refusal.CurrentVersion"/>, <see cref="Refusal.CallerVersion"/>, <see cref="Refusal.Holder"/>…).</param>
/// <param name="At">When the client saw the refusal, by the client's clock.</param>
public sealed record WouldBeRefusal(AgentId Agent, ArtifactKey Key, string Operation, Refusal Refusal, DateTimeOffset At)
{
    /// <summary>True for the reasons observe mode applies anyway; any other refusal behaves as in enforce mode.</summary>
    /// <param name="reason">A refusal reason.</param>
    public static bool IsCoordination(RefusalReason reason) =>
        reason is RefusalReason.StaleView or RefusalReason.VersionConflict or RefusalReason.HeldByOther or RefusalReason.StaleEpoch or RefusalReason.NotOwner;
}
