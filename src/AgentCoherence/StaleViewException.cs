namespace AgentCoherence;

/// <summary>The caller's view is not current (state I, or an older version): re-read, re-derive, then write again.</summary>
public sealed class StaleViewException : CoherenceException
{
    internal StaleViewException(Refusal refusal)
        : base(refusal, $"Stale view of '{refusal.Key}': {refusal.Agent} last saw v{refusal.CallerVersion ?? 0} but the current version is v{refusal.CurrentVersion}. Reacquire (re-read) and re-derive before writing.")
    {
    }

    /// <summary>The version the agent last observed (0 if it never read the artifact).</summary>
    public long SeenVersion => Refusal.CallerVersion ?? 0;

    /// <inheritdoc />
    public override string Advice => "re-read the artifact, re-derive your change from the current version, then write again";
}
