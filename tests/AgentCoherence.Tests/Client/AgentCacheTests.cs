using AgentCoherence.Internal;

namespace AgentCoherence.Tests.Client;

/// <summary>The cache's rules when replies and signals race (see PROTOCOL.md, "The cache never re-validates backwards").</summary>
public sealed class AgentCacheTests
{
    private static readonly ArtifactKey Key = new("t", "doc");

    [Fact]
    public void A_copy_committed_before_a_reclaim_at_its_version_is_stored_invalid_when_the_reply_comes_last()
    {
        var cache = new AgentCache(CacheStrategy.Lazy, new CacheOptions(), TimeProvider.System);

        // The commit of v2 landed, the grant it was made under was reclaimed (epoch 1), and that signal came
        // before the commit's reply.
        cache.OnSignal(new InvalidationSignal(Key, 2, AgentId.Sweeper, SignalKind.Reclaim, new AgentId("b"), OwnerEpoch: 1));
        cache.StoreCommitted(View(2));

        Assert.Null(cache.TryHit(Key));
    }

    [Fact]
    public void A_copy_committed_after_older_signals_is_served()
    {
        var cache = new AgentCache(CacheStrategy.Lazy, new CacheOptions(), TimeProvider.System);

        cache.OnSignal(new InvalidationSignal(Key, 1, new AgentId("a"), SignalKind.Commit, new AgentId("b")));
        cache.StoreCommitted(View(2));

        Assert.Equal(2, cache.TryHit(Key)?.Version);
    }

    private static ArtifactView View(long version) => new(Key, version, [], null, 1, new AgentId("b"), null);
}
