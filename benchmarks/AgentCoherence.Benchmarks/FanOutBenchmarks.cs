using BenchmarkDotNet.Attributes;
using AgentCoherence.Protocol;

namespace AgentCoherence.Benchmarks;

/// <summary>
/// A commit whose invalidation fans out to 10 peers. Each op first re-arms the 10 peers (a
/// store-level re-validating read puts each back in S, no content moves), then the writer commits
/// under its grant and the signals are published on the in-memory bus, which dispatches them
/// synchronously to the 10 <see cref="CoherentAgent"/>s (de-duplication, cache invalidation, signal
/// token accounting). <see cref="ReArm10"/> alone is the baseline: the difference is
/// commit + publish + dispatch.
/// </summary>
[MemoryDiagnoser]
public class FanOutBenchmarks
{
    private const int Peers = 10;
    private readonly ArtifactKey _key = ArtifactKey.Of("plans/plan.md");
    private readonly AgentId _writer = new("writer");
    private InMemoryDirectoryStore _store = null!;
    private CoherenceClient _client = null!;
    private ContentPayload _payload = null!;
    private AgentId[] _peers = null!;
    private CoherentAgent[] _agents = null!;
    private long _version;

    [GlobalSetup]
    public void Setup()
    {
        _store = new InMemoryDirectoryStore();
        _client = Stack.Client(_store);
        _payload = Stack.Payload();
        Stack.Wait(_store.RegisterAgentAsync(_writer));
        Stack.Wait(_store.AcquireAsync(_writer, _key));
        _version = Stack.Wait(_store.CommitAsync(_writer, _key, _payload)).Version;
        _agents = new CoherentAgent[Peers];
        _peers = new AgentId[Peers];
        for (var i = 0; i < Peers; i++)
        {
            _agents[i] = _client.Agent($"peer-{i}", Stack.Quiet);
            _peers[i] = _agents[i].Id;
            Stack.Wait(_agents[i].ReadAsync(_key));
        }

        // One op, checked: 10 signals reach the 10 agents.
        CommitFanOut10();
        foreach (var agent in _agents)
        {
            if (agent.Stats.SignalsReceived != 1)
            {
                throw new InvalidOperationException($"{agent.Id} received {agent.Stats.SignalsReceived} signals, expected 1.");
            }
        }
    }

    [GlobalCleanup]
    public void Cleanup() => Stack.Wait(_client.DisposeAsync());

    [Benchmark(Baseline = true, Description = "Re-arm 10 peers (store re-validating reads)")]
    public long ReArm10()
    {
        for (var i = 0; i < Peers; i++)
        {
            Stack.Wait(_store.ReadAsync(_peers[i], _key, knownVersion: _version));
        }

        return _version;
    }

    [Benchmark(Description = "Re-arm 10 peers + commit + publish + dispatch to 10 agents")]
    public long CommitFanOut10()
    {
        ReArm10();
        var result = Stack.Wait(_store.CommitAsync(_writer, _key, _payload));
        if (result.Signals.Count != Peers)
        {
            throw new InvalidOperationException($"{result.Signals.Count} signals, expected {Peers}.");
        }

        Stack.Wait(_client.Bus.PublishAsync(result.Signals));
        return _version = result.Version;
    }
}
