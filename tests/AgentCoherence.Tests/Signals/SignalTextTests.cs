using AgentCoherence.Signals;

namespace AgentCoherence.Tests.Signals;

public sealed class SignalTextTests
{
    public static TheoryData<string, string, string, SignalKind> Signals => new()
    {
        { "default", "plans/plan.md", "reviewer", SignalKind.Commit },
        { "team-a", "plans/plan.md", "planner", SignalKind.Commit },
        { "default", "memory.json", "researcher", SignalKind.Delete },
        { "default", "state", "a", SignalKind.Reclaim },
        { "workspace-with-a-long-name", "docs/architecture/decisions/0042-use-coherence-for-shared-plans.md", "senior-architecture-reviewer-agent-7", SignalKind.Commit },
        { "ns", new string('x', 512), new string('y', 128), SignalKind.Commit },
        { "ns", "计划/共享计划文档.md", "审阅者", SignalKind.Commit },
        { "ns", string.Concat(Enumerable.Repeat("日本語", 100)), "agent", SignalKind.Delete },
    };

    [Theory]
    [MemberData(nameof(Signals))]
    public void The_compact_text_stays_within_16_o200k_tokens_and_keeps_the_version(string ns, string name, string issuer, SignalKind kind)
    {
        var signal = new InvalidationSignal(new ArtifactKey(ns, name), 123, new AgentId(issuer), kind, new AgentId("r"));
        var text = signal.ToCompactText();
        Assert.InRange(SignalText.CountTokens(text), 1, SignalText.MaxTokens);
        Assert.Contains("v123", text, StringComparison.Ordinal);
        Assert.StartsWith("[coherence]", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_typical_signal_reads_naturally_and_costs_about_12_tokens()
    {
        var signal = new InvalidationSignal(ArtifactKey.Of("plans/plan.md"), 7, new AgentId("reviewer"), SignalKind.Commit, new AgentId("planner"));
        Assert.Equal("[coherence] plans/plan.md → v7 by reviewer", signal.ToCompactText());
        Assert.InRange(SignalText.CountTokens(signal.ToCompactText()), 8, 14);
    }
}
