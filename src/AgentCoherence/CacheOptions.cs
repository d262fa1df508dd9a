using System.ComponentModel.DataAnnotations;

namespace AgentCoherence;

/// <summary>Local cache settings.</summary>
public sealed class CacheOptions
{
    /// <summary>The strategy (default <see cref="CacheStrategy.Lazy"/>).</summary>
    public CacheStrategy Strategy { get; set; } = CacheStrategy.Lazy;

    /// <summary>For <see cref="CacheStrategy.Lease"/>: how long a copy serves reads before it is re-validated.</summary>
    public TimeSpan LeaseTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>For <see cref="CacheStrategy.AccessCount"/>: local hits served before a re-validation.</summary>
    [Range(1, int.MaxValue)]
    public int AccessCount { get; set; } = 10;
}
