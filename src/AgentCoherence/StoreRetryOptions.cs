using System.ComponentModel.DataAnnotations;

namespace AgentCoherence;

/// <summary>
/// Retries of a store call that failed for reasons of the store, not the protocol. A write is always
/// retried with the same <see cref="OperationId"/>, so a retry of a write that had landed returns the
/// recorded result and never applies it twice; reads are simply repeated.
/// </summary>
public sealed class StoreRetryOptions
{
    /// <summary>Attempts in all, the first included (default 5). After the last, the caller gets
    /// <see cref="OutcomeUnknownException"/> (a write that may have landed) or <see cref="StoreUnavailableException"/>.</summary>
    [Range(1, 1_000)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>The delay before the second retry (the first is immediate); it doubles per retry, with full jitter.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>The longest delay between two attempts.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromSeconds(2);
}
