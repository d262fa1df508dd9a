namespace AgentCoherence;

/// <summary>A record of one reclamation, kept on the holder entry for error messages and diagnostics.</summary>
/// <param name="Trigger">What caused the reclamation.</param>
/// <param name="At">When the sweep reclaimed the grant.</param>
/// <param name="Epoch">The ownership epoch the reclamation moved the artifact to.</param>
public sealed record ReclaimInfo(ReclaimTrigger Trigger, DateTimeOffset At, long Epoch)
{
    /// <summary>The trigger as written in messages and on the wire: <c>heartbeat</c> or <c>max_hold</c>.</summary>
    public string TriggerName => Trigger == ReclaimTrigger.Heartbeat ? "heartbeat" : "max_hold";

    /// <inheritdoc />
    public override string ToString() => $"reclaimed by the sweep ({TriggerName}) at {At:O}, epoch now {Epoch}";
}
