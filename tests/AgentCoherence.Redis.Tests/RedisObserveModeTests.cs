using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Redis.Tests;

/// <summary>The observe-mode client suite on a real Redis, each test under its own key prefix.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisObserveModeTests(RedisFixture redis) : ObserveModeClientTests
{
    protected override Task<IDirectoryStore> CreateStore(FakeTimeProvider time) => Task.FromResult<IDirectoryStore>(redis.NewStore(time));
}
