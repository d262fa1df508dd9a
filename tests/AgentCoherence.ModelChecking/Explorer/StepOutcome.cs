namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>What applying one step did.</summary>
/// <param name="Refused">True when the rules refused the step; a refusal must leave the state untouched.</param>
/// <param name="Detail">The refusal reason, or <c>ok</c>.</param>
internal readonly record struct StepOutcome(bool Refused, string Detail)
{
    public static StepOutcome Ok { get; } = new(false, "ok");

    public static StepOutcome From(Refusal? refusal) => refusal is null ? Ok : new(true, refusal.Reason.ToString());
}
