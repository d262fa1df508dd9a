using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Redis.Tests;

/// <summary>
/// The shared store conformance suite, on a real Redis, each test under its own key prefix, with the
/// default script mode (a function library on Redis 7+).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class RedisDirectoryStoreConformanceTests(RedisFixture redis) : DirectoryStoreConformanceTests
{
    protected override Task<IDirectoryStore> CreateStore(FakeTimeProvider time) => Task.FromResult<IDirectoryStore>(redis.NewStore(time));
}

/// <summary>The same suite with the operations run as cached scripts (EVALSHA), as on Redis 6.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisEvalModeConformanceTests(RedisFixture redis) : DirectoryStoreConformanceTests
{
    protected override Task<IDirectoryStore> CreateStore(FakeTimeProvider time) => Task.FromResult<IDirectoryStore>(redis.NewStore(time, mode: RedisScriptMode.Eval));
}
