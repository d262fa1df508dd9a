using System.Text;

namespace AgentCoherence.ModelChecking.ClientModel;

/// <summary>A path from the initial state to a broken client invariant; <see cref="ClientExplorer.Replay"/> re-runs it.</summary>
/// <param name="Invariant">What broke.</param>
/// <param name="Message">How, in the words of the check.</param>
/// <param name="Path">The steps, the breaking one last.</param>
/// <param name="Labels">What each step did, as the replay printed it.</param>
/// <param name="StateAfter">The state the last step reached.</param>
internal sealed record ClientCounterexample(ClientInvariant Invariant, string Message, IReadOnlyList<ClientStep> Path, IReadOnlyList<string> Labels, string StateAfter)
{
    public int Length => Path.Count;

    /// <summary>The steps on one line.</summary>
    public string Trace => string.Join(" ; ", Labels);

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Invariant).Append(" violated after ").Append(Length).Append(" step(s): ").AppendLine(Message);
        for (var i = 0; i < Labels.Count; i++)
        {
            text.Append("  ").Append(i + 1).Append(". ").AppendLine(Labels[i]);
        }

        return text.Append("state after the last step: ").Append(StateAfter).ToString();
    }
}
