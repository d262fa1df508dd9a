using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Tests.Client;

/// <summary>The observe-mode client suite over the in-memory store.</summary>
public sealed class InMemoryObserveModeTests : ObserveModeClientTests
{
    protected override Task<IDirectoryStore> CreateStore(FakeTimeProvider time) => Task.FromResult<IDirectoryStore>(new InMemoryDirectoryStore(time));
}
