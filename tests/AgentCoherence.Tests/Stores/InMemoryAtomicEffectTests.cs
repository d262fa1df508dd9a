using AgentCoherence.Testing;
using Microsoft.Extensions.Time.Testing;
using AgentCoherence.Protocol;

namespace AgentCoherence.Tests.Stores;

public sealed class InMemoryAtomicEffectTests : AtomicEffectStoreConformanceTests
{
    protected override Task<IAtomicEffectStore> CreateStore(FakeTimeProvider time) => Task.FromResult<IAtomicEffectStore>(new InMemoryDirectoryStore(time));
}
