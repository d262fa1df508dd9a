using BenchmarkDotNet.Attributes;
using AgentCoherence.Protocol;

namespace AgentCoherence.Benchmarks;

/// <summary>
/// Reads on the in-memory stack. Hit: <see cref="CoherentAgent.ReadAsync(ArtifactKey, CancellationToken)"/>
/// on a key the agent holds a valid copy of (no store call). Miss: the store-level read that moves
/// the content (<c>knownVersion = -1</c>), what an agent pays after a peer's commit invalidated it.
/// </summary>
[MemoryDiagnoser]
public class ReadBenchmarks
{
    private readonly ArtifactKey _key = ArtifactKey.Of("plans/plan.md");
    private readonly AgentId _peer = new("peer");
    private InMemoryDirectoryStore _store = null!;
    private CoherenceClient _client = null!;
    private CoherentAgent _agent = null!;

    [GlobalSetup]
    public void Setup()
    {
        _store = new InMemoryDirectoryStore();
        _client = Stack.Client(_store);
        _agent = _client.Agent("reader", Stack.Quiet);
        Stack.Wait(_agent.WriteAsync(_key, Stack.Content));
        var view = Stack.Wait(_agent.ReadAsync(_key));
        if (view.Version != 1 || _agent.Stats.Hits != 1)
        {
            throw new InvalidOperationException("The set-up read should be a cache hit.");
        }

        Stack.Wait(_store.RegisterAgentAsync(_peer));
    }

    [GlobalCleanup]
    public void Cleanup() => Stack.Wait(_client.DisposeAsync());

    [Benchmark(Description = "Read hit (CoherentAgent.ReadAsync, cached)")]
    public ArtifactView ReadHit() => Stack.Wait(_agent.ReadAsync(_key));

    [Benchmark(Description = "Read miss (store ReadAsync, knownVersion -1)")]
    public ReadResult ReadMiss() => Stack.Wait(_store.ReadAsync(_peer, _key, knownVersion: -1));
}
