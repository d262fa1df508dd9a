namespace AgentCoherence;

/// <summary>The expected version is newer than the artifact's current version: the caller invented a version. Not retryable.</summary>
public sealed class ExpectedVersionAheadException : CoherenceException
{
    internal ExpectedVersionAheadException(Refusal refusal)
        : base(refusal, $"Expected version v{refusal.CallerVersion} of '{refusal.Key}' is ahead of the current version v{refusal.CurrentVersion}; expected versions must come from a read.")
    {
    }

    /// <inheritdoc />
    public override bool IsRetryable => false;

    /// <inheritdoc />
    public override string Advice => "pass a version you read; 0 creates an artifact that never existed";
}
