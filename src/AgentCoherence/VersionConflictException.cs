namespace AgentCoherence;

/// <summary>A compare-and-set lost: the artifact moved past the expected version. Retryable after a re-read.</summary>
public sealed class VersionConflictException : CoherenceException
{
    internal VersionConflictException(Refusal refusal)
        : base(refusal, $"Version conflict on '{refusal.Key}': expected v{refusal.CallerVersion} but the current version is v{refusal.CurrentVersion}. Re-read, merge and retry.")
    {
    }

    /// <summary>The version the caller expected.</summary>
    public long ExpectedVersion => Refusal.CallerVersion ?? 0;

    /// <inheritdoc />
    public override string Advice => "re-read the current version, merge your change into it, and retry";
}
