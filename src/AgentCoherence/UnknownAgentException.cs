namespace AgentCoherence;

/// <summary>The agent is not registered with the store: it never started, or it left (Forget).</summary>
public sealed class UnknownAgentException : CoherenceException
{
    internal UnknownAgentException(Refusal refusal)
        : base(refusal, $"Agent '{refusal.Agent}' is not registered with the directory store (never started, or it left).")
    {
    }

    /// <inheritdoc />
    public override bool IsRetryable => false;

    /// <inheritdoc />
    public override string Advice => "register the agent (create it through CoherenceClient.Agent) before using it";
}
