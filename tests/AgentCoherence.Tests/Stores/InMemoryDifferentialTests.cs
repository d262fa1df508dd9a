using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Tests.Stores;

/// <summary>The differential harness itself, run against a second in-memory store: it must find no difference.</summary>
public sealed class InMemoryDifferentialTests : StoreDifferentialTests
{
    protected override Task<IDirectoryStore> CreateStore(FakeTimeProvider time) => Task.FromResult<IDirectoryStore>(new InMemoryDirectoryStore(time));
}
