using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;

namespace AgentCoherence.Redis.Tests;

/// <summary>The shared store conformance suite, on a real Redis, each test under its own key prefix.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisDirectoryStoreConformanceTests(RedisFixture redis) : DirectoryStoreConformanceTests
{
    protected override Task<IDirectoryStore> CreateStore(FakeTimeProvider time) => Task.FromResult<IDirectoryStore>(redis.NewStore(time));
}
