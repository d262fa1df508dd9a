using AgentCoherence.Internal;
using AgentCoherence.Protocol;

namespace AgentCoherence.Simulation.Tests;

/// <summary>The <see cref="SimulationSettings.StoreFactory"/> seam: who owns the store, and what a violation's command names.</summary>
public sealed class StoreFactoryTests
{
    [Fact]
    public void The_run_disposes_the_store_its_factory_built_once_the_run_ends()
    {
        var built = new List<DisposableStore>();

        var result = Simulator.Run(new SimulationSettings
        {
            Workload = SimulationWorkload.Paper(0.25),
            Seed = 1,
            Faults = SimulationFaults.All,
            StoreFactory = time =>
            {
                var store = new DisposableStore(new InMemoryDirectoryStore(time));
                built.Add(store);
                return store;
            },
        });

        Assert.Null(result.Violation);
        var store = Assert.Single(built);
        Assert.Equal(1, store.Disposals);
        Assert.True(store.CallsBeforeDisposal > 0);
    }

    [Fact]
    public void A_factory_that_returns_null_is_a_clear_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Simulator.Run(new SimulationSettings
        {
            Workload = SimulationWorkload.Paper(0.10),
            StoreFactory = _ => null!,
        }));

        Assert.Contains("StoreFactory returned null", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_violation_on_a_named_store_reproduces_with_that_store()
    {
        Func<TimeProvider, IDirectoryStore> mutant = time => new InMemoryDirectoryStore(time, new CoherenceRules(ProtocolGuards.All & ~ProtocolGuards.VersionCheck));

        var report = Simulator.Fuzz(1, 200, SimulationFaults.All, storeFactory: mutant, storeName: "sqlite");

        var found = Assert.IsType<InvariantViolation>(report.Violations.FirstOrDefault(), exactMatch: true);
        Assert.EndsWith("--faults all --store sqlite", found.Reproduce, StringComparison.Ordinal);
    }

    /// <summary>An in-memory store that counts its disposals and the calls made before them.</summary>
    private sealed class DisposableStore(InMemoryDirectoryStore inner) : IDirectoryStore, IAsyncDisposable
    {
        private int _calls;

        public int Disposals { get; private set; }

        public int CallsBeforeDisposal { get; private set; }

        public ValueTask DisposeAsync()
        {
            Disposals++;
            CallsBeforeDisposal = _calls;
            return ValueTask.CompletedTask;
        }

        private IDirectoryStore Inner
        {
            get
            {
                ObjectDisposedException.ThrowIf(Disposals > 0, this);
                _calls++;
                return inner;
            }
        }

        public ValueTask RegisterAgentAsync(AgentId agent, CancellationToken cancellationToken = default) => Inner.RegisterAgentAsync(agent, cancellationToken);

        public ValueTask<Refusal?> HeartbeatAsync(AgentId agent, CancellationToken cancellationToken = default) => Inner.HeartbeatAsync(agent, cancellationToken);

        public ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default) =>
            Inner.ReadAsync(agent, key, knownVersion, cancellationToken);

        public ValueTask<WriteResult> AcquireAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) =>
            Inner.AcquireAsync(agent, key, operation, cancellationToken);

        public ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation = default, CancellationToken cancellationToken = default) =>
            Inner.CommitAsync(agent, key, content, operation, cancellationToken);

        public ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) =>
            Inner.CommitCasAsync(agent, key, content, expectedVersion, operation, cancellationToken);

        public ValueTask<CommitAllResult> CommitAllAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation = default, CancellationToken cancellationToken = default) =>
            Inner.CommitAllAsync(agent, members, operation, cancellationToken);

        public ValueTask<WriteResult> DeleteAsync(AgentId agent, ArtifactKey key, long? expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) =>
            Inner.DeleteAsync(agent, key, expectedVersion, operation, cancellationToken);

        public ValueTask<bool> ReleaseAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) =>
            Inner.ReleaseAsync(agent, key, operation, cancellationToken);

        public ValueTask<bool> ForgetAsync(AgentId agent, CancellationToken cancellationToken = default) => Inner.ForgetAsync(agent, cancellationToken);

        public ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken = default) => Inner.SweepAsync(policy, cancellationToken);

        public ValueTask<DirectoryRecord?> InspectAsync(ArtifactKey key, CancellationToken cancellationToken = default) => Inner.InspectAsync(key, cancellationToken);
    }
}
