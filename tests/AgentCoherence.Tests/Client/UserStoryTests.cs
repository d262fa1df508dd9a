namespace AgentCoherence.Tests.Client;

/// <summary>The story the library exists for: two agents share plans/plan.md.</summary>
public sealed class UserStoryTests
{
    private const string Original = "# Plan\n1. Research the API\n";

    [Fact]
    public async Task Without_coordination_the_reviewers_edit_is_silently_lost()
    {
        // The baseline this library replaces: last write wins, nothing errors.
        var shared = new Dictionary<string, string> { ["plans/plan.md"] = Original };
        var plannerCopy = shared["plans/plan.md"];
        var reviewerCopy = shared["plans/plan.md"];
        shared["plans/plan.md"] = reviewerCopy + "2. Reviewer: add tests\n";
        shared["plans/plan.md"] = plannerCopy + "2. Planner: ship it\n";
        Assert.DoesNotContain("Reviewer", shared["plans/plan.md"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task With_coherence_the_stale_write_is_refused_and_both_edits_survive_after_reacquire()
    {
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var planner = coherence.Agent("planner");
        await using var reviewer = coherence.Agent("reviewer");
        await planner.WriteAsync("plans/plan.md", Original);

        var plannerView = await planner.ReadAsync("plans/plan.md");
        var reviewerView = await reviewer.ReadAsync("plans/plan.md");
        await reviewer.WriteAsync("plans/plan.md", reviewerView.Text + "2. Reviewer: add tests\n");

        var refused = await Assert.ThrowsAsync<StaleViewException>(() =>
            planner.WriteAsync("plans/plan.md", plannerView.Text + "2. Planner: ship it\n").AsTask());
        Assert.Equal(1, refused.SeenVersion);
        Assert.Equal(2, refused.CurrentVersion);
        Assert.True(refused.IsRetryable);

        var current = await planner.ReacquireAsync("plans/plan.md");
        var written = await planner.WriteAsync("plans/plan.md", current.Text + "3. Planner: ship it\n");

        Assert.Equal(3, written.Version);
        var final = await reviewer.ReadAsync("plans/plan.md");
        Assert.Contains("Reviewer: add tests", final.Text, StringComparison.Ordinal);
        Assert.Contains("Planner: ship it", final.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_peers_commit_reaches_the_reader_as_a_signal_and_its_next_read_fetches_the_new_version()
    {
        await using var coherence = CoherenceClient.CreateInMemory();
        await using var planner = coherence.Agent("planner");
        await using var reviewer = coherence.Agent("reviewer");
        await planner.WriteAsync("plans/plan.md", "v1");
        await reviewer.ReadAsync("plans/plan.md");
        InvalidationSignal? received = null;
        reviewer.SignalReceived += (_, s) => received = s;

        await planner.WriteAsync("plans/plan.md", "v2");

        Assert.Equal(2, received?.NewVersion);
        Assert.Equal("planner", received?.Issuer.Value);
        Assert.Equal("v2", (await reviewer.ReadAsync("plans/plan.md")).Text);
        Assert.Equal(1, reviewer.Stats.SignalsReceived);
    }
}
