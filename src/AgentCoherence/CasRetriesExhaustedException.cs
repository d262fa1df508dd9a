namespace AgentCoherence;

/// <summary>An optimistic update lost every attempt it was allowed.</summary>
public sealed class CasRetriesExhaustedException : CoherenceException
{
    internal CasRetriesExhaustedException(Refusal last, int attempts, CoherenceException inner)
        : base(last, $"Gave up updating '{last.Key}' after {attempts} attempts; the last version seen was v{last.CurrentVersion} ({last.Reason}).", inner)
    {
        Attempts = attempts;
    }

    /// <summary>How many compare-and-set attempts were made.</summary>
    public int Attempts { get; }

    /// <summary>The last version the updater saw.</summary>
    public long LastVersion => Refusal.CurrentVersion;

    /// <inheritdoc />
    public override bool IsRetryable => true;

    /// <inheritdoc />
    public override string Advice => "the artifact is heavily contended: retry later or raise the retry limit";
}
