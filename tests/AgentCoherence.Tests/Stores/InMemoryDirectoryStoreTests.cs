using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Tests.Stores;

public sealed class InMemoryDirectoryStoreTests : DirectoryStoreConformanceTests
{
    protected override Task<IDirectoryStore> CreateStore(FakeTimeProvider time) => Task.FromResult<IDirectoryStore>(new InMemoryDirectoryStore(time));
}
