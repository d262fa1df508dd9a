namespace AgentCoherence;

/// <summary>
/// Base of every refusal the protocol can produce. Catch a subtype to recover; inspect
/// <see cref="IsRetryable"/> and <see cref="Refusal"/> for the data.
/// </summary>
public abstract class CoherenceException : Exception
{
    /// <summary>Creates the exception from a store's refusal.</summary>
    protected CoherenceException(Refusal refusal, string message, Exception? inner = null)
        : base(message, inner)
    {
        Refusal = refusal;
    }

    /// <summary>The store's refusal, with all its data.</summary>
    public Refusal Refusal { get; }

    /// <summary>The reason code.</summary>
    public RefusalReason Reason => Refusal.Reason;

    /// <summary>The artifact concerned.</summary>
    public ArtifactKey Key => Refusal.Key;

    /// <summary>The artifact's version when the store refused.</summary>
    public long CurrentVersion => Refusal.CurrentVersion;

    /// <summary>True when retrying (after a re-read, or a wait) can succeed.</summary>
    public virtual bool IsRetryable => Refusal.IsRetryable;

    /// <summary>What the caller should do next, in a sentence an agent can act on.</summary>
    public abstract string Advice { get; }
}
