namespace AgentCoherence;

/// <summary>Another agent holds the write grant. Retryable: wait and try again.</summary>
public sealed class HeldByOtherException : CoherenceException
{
    internal HeldByOtherException(Refusal refusal)
        : base(refusal, $"'{refusal.Key}' is held by {refusal.Holder} since {refusal.HolderSince:O}; retry after it releases or the sweep reclaims it.")
    {
    }

    /// <summary>The agent holding the grant.</summary>
    public AgentId Holder => Refusal.Holder ?? default;

    /// <summary>When the holder was granted.</summary>
    public DateTimeOffset? HolderSince => Refusal.HolderSince;

    /// <inheritdoc />
    public override string Advice => "wait for the holder to release, then retry";
}
