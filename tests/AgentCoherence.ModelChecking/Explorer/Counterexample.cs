using System.Text;

namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>
/// A path from the initial state to a broken invariant: every step taken (the last one breaks it),
/// the invariant, and the states just before and after the last step.
/// </summary>
internal sealed record Counterexample(
    Violation Violation,
    IReadOnlyList<ModelOperation> Trace,
    StepOutcome LastOutcome,
    string StateBefore,
    string StateAfter)
{
    public ModelInvariant Invariant => Violation.Invariant;

    /// <summary>The number of steps from the initial state, the breaking one included.</summary>
    public int Length => Trace.Count;

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Invariant).Append(" violated after ").Append(Length).Append(" step(s): ").AppendLine(Violation.Message);
        for (var i = 0; i < Trace.Count; i++)
        {
            text.Append("  ").Append(i + 1).Append(". ").Append(Trace[i]);
            if (i == Trace.Count - 1)
            {
                text.Append("   <- ").Append(LastOutcome.Detail).Append(", breaks ").Append(Invariant);
            }

            text.AppendLine();
        }

        text.AppendLine("state before the last step:").AppendLine(StateBefore);
        text.AppendLine("state after the last step:").Append(StateAfter);
        return text.ToString();
    }
}
