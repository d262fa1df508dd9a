using StackExchange.Redis;

namespace AgentCoherence.Redis.Internal;

/// <summary>
/// The key layout (docs/redis-store.md, "Key layout"). An artifact's two keys share the hash tag
/// <c>{storeKey}</c>; <see cref="ArtifactKey.StoreKey"/> escapes braces, so a name cannot form a tag
/// of its own. Every key a script touches is built here and passed in its KEYS; no script builds a
/// key name itself (Redis Cluster routes a script by its declared keys).
/// </summary>
internal sealed class RedisKeys
{
    public RedisKeys(string prefix)
    {
        Prefix = prefix;
        Agents = prefix + "agents";
        Granted = prefix + "granted";
    }

    public string Prefix { get; }

    /// <summary>Hash: agent id → last heartbeat (19-digit UTC ticks).</summary>
    public RedisKey Agents { get; }

    /// <summary>Set: store keys of the artifacts whose grant is held (what the sweep must look at).</summary>
    public RedisKey Granted { get; }

    /// <summary>Hash: the artifact's record (version, epoch, content, ...).</summary>
    public RedisKey Record(ArtifactKey key) => Record(key.StoreKey);

    /// <summary>The record of the artifact with this <see cref="ArtifactKey.StoreKey"/> (as the granted and touched sets hold them).</summary>
    public RedisKey Record(string storeKey) => Prefix + "{" + storeKey + "}:rec";

    /// <summary>Hash: agent id → the agent's holder entry for the artifact.</summary>
    public RedisKey Holders(ArtifactKey key) => Holders(key.StoreKey);

    /// <summary>The holders of the artifact with this <see cref="ArtifactKey.StoreKey"/>.</summary>
    public RedisKey Holders(string storeKey) => Prefix + "{" + storeKey + "}:holders";

    /// <summary>Set: store keys of the artifacts where the agent has a holder entry (for forget and pruning).</summary>
    public RedisKey Touched(AgentId agent) => Touched(agent.Value);

    /// <summary>The touched set of the agent with this id.</summary>
    public RedisKey Touched(string agent) => Prefix + "touched:" + agent;

    /// <summary>
    /// Hash: the agent's operation log (exactly-once writes): <c>#</c> → how many operations were recorded,
    /// operation id → its number and recorded result (see <c>_lib.lua</c>, <c>op_record</c>).
    /// </summary>
    public RedisKey Ops(AgentId agent) => Prefix + "ops:" + agent.Value;

    /// <summary>True when the prefix holds a Redis Cluster hash tag: a '{' followed later by '}' with something between.</summary>
    public static bool HasHashTag(string prefix)
    {
        var open = prefix.IndexOf('{', StringComparison.Ordinal);
        if (open < 0)
        {
            return false;
        }

        var close = prefix.IndexOf('}', open + 1);
        return close > open + 1;
    }
}
