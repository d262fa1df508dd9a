using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Redis.Tests;

/// <summary>The fault-proof client suite on a real Redis, each test under its own key prefix.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisFaultProofClientTests(RedisFixture redis) : FaultProofClientTests
{
    protected override Task<IDirectoryStore> CreateStore(FakeTimeProvider time) => Task.FromResult<IDirectoryStore>(redis.NewStore(time));
}
