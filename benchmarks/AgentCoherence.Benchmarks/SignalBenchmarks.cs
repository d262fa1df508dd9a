using BenchmarkDotNet.Attributes;
using AgentCoherence.Signals;

namespace AgentCoherence.Benchmarks;

/// <summary>
/// What one delivered signal costs the recipient's accounting: formatting its compact text (which
/// itself checks the 16-token budget with <c>o200k_base</c> and <c>cl100k_base</c>) and counting that
/// text's <c>o200k_base</c> tokens. It explains most of the fan-out figure.
/// </summary>
[MemoryDiagnoser]
public class SignalBenchmarks
{
    private readonly InvalidationSignal _signal = new(ArtifactKey.Of("plans/plan.md"), 7, new AgentId("writer"), SignalKind.Commit, new AgentId("peer-0"));

    [Benchmark(Description = "Signal compact text (SignalText.Format)")]
    public string Format() => _signal.ToCompactText();

    [Benchmark(Description = "Signal compact text + o200k count (per delivered signal)")]
    public int FormatAndCount() => SignalText.CountTokens(_signal.ToCompactText());
}
