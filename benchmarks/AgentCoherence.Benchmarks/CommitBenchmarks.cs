using BenchmarkDotNet.Attributes;
using AgentCoherence.Protocol;

namespace AgentCoherence.Benchmarks;

/// <summary>
/// Store-level writes with a pre-created payload, so only the protocol step is measured (no hashing,
/// no tokenizing). Commit: under a grant taken once (the writer stays in M). CommitCas: expected =
/// the current version, so every call wins.
/// </summary>
[MemoryDiagnoser]
public class CommitBenchmarks
{
    private readonly ArtifactKey _grantKey = ArtifactKey.Of("notes/granted.md");
    private readonly ArtifactKey _casKey = ArtifactKey.Of("counters/cas");
    private readonly AgentId _writer = new("writer");
    private InMemoryDirectoryStore _store = null!;
    private ContentPayload _payload = null!;
    private long _casVersion;

    [GlobalSetup]
    public void Setup()
    {
        _store = new InMemoryDirectoryStore();
        _payload = Stack.Payload();
        Stack.Wait(_store.RegisterAgentAsync(_writer));
        var acquired = Stack.Wait(_store.AcquireAsync(_writer, _grantKey));
        if (!acquired.Succeeded)
        {
            throw new InvalidOperationException("Acquire was refused: " + acquired.Refusal);
        }

        var created = Stack.Wait(_store.CommitCasAsync(_writer, _casKey, _payload, expectedVersion: 0));
        _casVersion = created.Version;
    }

    [Benchmark(Description = "Commit under grant (store)")]
    public long Commit()
    {
        var result = Stack.Wait(_store.CommitAsync(_writer, _grantKey, _payload));
        return result.Succeeded ? result.Version : throw new InvalidOperationException(result.Refusal!.ToString());
    }

    [Benchmark(Description = "CommitCas, expected = current (store)")]
    public long CommitCas()
    {
        var result = Stack.Wait(_store.CommitCasAsync(_writer, _casKey, _payload, _casVersion));
        return result.Succeeded ? _casVersion = result.Version : throw new InvalidOperationException(result.Refusal!.ToString());
    }
}
