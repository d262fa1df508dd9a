namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>One broken invariant and what broke it.</summary>
internal sealed record Violation(ModelInvariant Invariant, string Message);
