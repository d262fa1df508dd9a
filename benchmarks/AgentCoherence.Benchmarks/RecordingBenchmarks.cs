using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;

namespace AgentCoherence.Benchmarks;

/// <summary>
/// What recording costs an agent (issue 14): a cache hit and an agent-level CommitCas
/// (<see cref="CoherentAgent.WriteCasAsync(ArtifactKey, string, long, CancellationToken)"/>: payload, store step,
/// cache), with recording off and on (to a temp directory, content off). The writer drains in the background, so
/// "on" measures what the caller pays: building the line and queueing it.
/// </summary>
/// <remarks>A fixed number of invocations, so "on" writes a bounded file (about 2 M lines) instead of one per iteration of a pilot.</remarks>
[MemoryDiagnoser]
[SimpleJob(RunStrategy.Throughput, launchCount: 1, warmupCount: 3, iterationCount: 15, invocationCount: 100_000)]
public class RecordingBenchmarks
{
    private readonly ArtifactKey _hitKey = ArtifactKey.Of("plans/plan.md");
    private readonly ArtifactKey _casKey = ArtifactKey.Of("counters/cas");
    private CoherenceClient _client = null!;
    private CoherentAgent _agent = null!;
    private IAsyncDisposable? _recording;
    private string _directory = null!;
    private long _casVersion;

    /// <summary>Whether the client records.</summary>
    [Params(false, true)]
    public bool Recording { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _directory = Path.Combine(Path.GetTempPath(), "agentcoherence-bench-recording", Guid.NewGuid().ToString("N"));
        _client = Stack.Client(new InMemoryDirectoryStore());
        if (Recording)
        {
            _recording = _client.RecordTo(_directory);
        }

        _agent = _client.Agent("writer", Stack.Quiet);
        Stack.Wait(_agent.WriteAsync(_hitKey, Stack.Content));
        Stack.Wait(_agent.ReadAsync(_hitKey));
        _casVersion = Stack.Wait(_agent.WriteCasAsync(_casKey, Stack.Content, 0)).Version;
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        if (_recording is not null)
        {
            Stack.Wait(_recording.DisposeAsync());
        }

        Stack.Wait(_client.DisposeAsync());
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    [Benchmark(Description = "Read hit (agent)")]
    public ArtifactView ReadHit() => Stack.Wait(_agent.ReadAsync(_hitKey));

    [Benchmark(Description = "CommitCas (agent WriteCasAsync)")]
    public long CommitCas() => _casVersion = Stack.Wait(_agent.WriteCasAsync(_casKey, Stack.Content, _casVersion)).Version;
}
