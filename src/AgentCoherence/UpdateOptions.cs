using System.ComponentModel.DataAnnotations;

namespace AgentCoherence;

/// <summary>Settings of <see cref="CoherentAgent.UpdateAsync(ArtifactKey, Func{ArtifactView?, string}, CancellationToken)"/>.</summary>
public sealed class UpdateOptions
{
    /// <summary>Retries after the first attempt (default 3, so 4 attempts).</summary>
    [Range(0, 10_000)]
    public int MaxRetries { get; set; } = 3;

    /// <summary>The first back-off delay; it doubles per retry, with full jitter.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>The longest back-off delay.</summary>
    public TimeSpan MaxDelay { get; set; } = TimeSpan.FromMilliseconds(250);
}
