namespace AgentCoherence;

/// <summary>The artifact does not exist, or its current version is a delete (tombstone).</summary>
public sealed class ArtifactNotFoundException : CoherenceException
{
    internal ArtifactNotFoundException(Refusal refusal)
        : base(refusal, refusal.IsTombstone
            ? $"'{refusal.Key}' was deleted (tombstone v{refusal.CurrentVersion}); re-create it with a compare-and-set against v{refusal.CurrentVersion}."
            : $"'{refusal.Key}' does not exist.")
    {
    }

    /// <summary>The tombstone's version, or 0 when the artifact never existed; pass it as the expected version to re-create.</summary>
    public long TombstoneVersion => Refusal.CurrentVersion;

    /// <inheritdoc />
    public override bool IsRetryable => false;

    /// <inheritdoc />
    public override string Advice => $"create the artifact with a compare-and-set against v{Refusal.CurrentVersion}";
}
