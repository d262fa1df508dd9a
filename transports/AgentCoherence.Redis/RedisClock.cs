namespace AgentCoherence.Redis;

/// <summary>Whose clock the Redis store stamps heartbeats, grants, commits and reclaims with, and judges silence by.</summary>
public enum RedisClock
{
    /// <summary>
    /// The Redis server's clock (<c>TIME</c>, read inside each script): one clock for every host that
    /// shares the store, so a host whose own clock runs ahead cannot reclaim live agents' grants and one
    /// running behind cannot keep dead agents' grants. The store's <see cref="TimeProvider"/> is not
    /// used. The default.
    /// </summary>
    Server = 0,

    /// <summary>
    /// The store's <see cref="TimeProvider"/>, passed to every script. For tests that move time with a
    /// fake clock, and for a single host; with several hosts their clocks must agree, or a host whose
    /// clock is ahead reclaims the others' live grants.
    /// </summary>
    Client = 1,
}
