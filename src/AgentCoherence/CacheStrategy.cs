namespace AgentCoherence;

/// <summary>How an agent's local cache reacts to signals and serves reads.</summary>
public enum CacheStrategy
{
    /// <summary>On a signal, mark the copy invalid; a read hits while valid, else fetches. The default.</summary>
    Lazy = 0,

    /// <summary>On a signal, fetch the new version at once; reads hit.</summary>
    Eager = 1,

    /// <summary>Like lazy, and after <see cref="CacheOptions.LeaseTtl"/> a read re-validates with the store.</summary>
    Lease = 2,

    /// <summary>Like lazy, and after <see cref="CacheOptions.AccessCount"/> local hits a read re-validates with the store.</summary>
    AccessCount = 3,

    /// <summary>Baseline for comparisons: every commit pushes the full content to every holder.</summary>
    Broadcast = 4,
}
