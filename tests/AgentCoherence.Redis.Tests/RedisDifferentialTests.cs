using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Redis.Tests;

/// <summary>
/// 10,000 random operations per seed on the in-memory reference and on Redis: every result (refusal
/// data, signal order, sweep order) and every record must be identical after every step. This is what
/// keeps the Lua scripts from drifting from CoherenceRules.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisDifferentialTests(RedisFixture redis) : StoreDifferentialTests
{
    protected override Task<IDirectoryStore> CreateStore(FakeTimeProvider time) => Task.FromResult<IDirectoryStore>(redis.NewStore(time));
}

/// <summary>The differential test with the operations run as cached scripts (EVALSHA) instead of functions.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisEvalModeDifferentialTests(RedisFixture redis) : StoreDifferentialTests
{
    protected override Task<IDirectoryStore> CreateStore(FakeTimeProvider time) => Task.FromResult<IDirectoryStore>(redis.NewStore(time, mode: RedisScriptMode.Eval));
}

/// <summary>
/// The differential test with one artifact per sweep and forget script call, so every sweep and every
/// forget of more than one artifact runs as several calls: the results must still be the rules'.
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisOneArtifactPerScriptDifferentialTests(RedisFixture redis) : StoreDifferentialTests
{
    protected override Task<IDirectoryStore> CreateStore(FakeTimeProvider time) => Task.FromResult<IDirectoryStore>(redis.NewStore(time, maxArtifactsPerScript: 1));
}
