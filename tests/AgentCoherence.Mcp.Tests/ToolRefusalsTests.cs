using System.Text.Json;

namespace AgentCoherence.Mcp.Tests;

/// <summary>The mapping of failures no tool call reaches through a healthy store, checked directly.</summary>
public sealed class ToolRefusalsTests
{
    private static readonly ArtifactKey Plan = new(Volume.CoherentVolume.Namespace, "plans/plan.md");

    [Fact]
    public void An_unknown_outcome_is_retryable_and_says_reacquire_to_find_out()
    {
        var refusal = Structured(new OutcomeUnknownException(Plan, "Commit", new IOException("connection reset")));

        RefusalTests.AssertRefusal(refusal, "outcome_unknown", currentVersion: null, expectedVersion: null, retryable: true, "reacquire");
        Assert.Equal("plans/plan.md", refusal.GetProperty("path").GetString());
    }

    [Fact]
    public void An_unreachable_store_is_retryable_and_says_wait()
    {
        var refusal = Structured(new StoreUnavailableException("Read", Plan, "Read on 'plans/plan.md' failed at the directory store.", new IOException("connection refused")));

        RefusalTests.AssertRefusal(refusal, "store_unavailable", currentVersion: null, expectedVersion: null, retryable: true, "wait");
    }

    [Fact]
    public void An_unknown_agent_is_reported_without_retry()
    {
        var refusal = Structured(new Refusal(RefusalReason.UnknownAgent, Plan, 3) { Agent = new AgentId("ghost") }.ToException());

        RefusalTests.AssertRefusal(refusal, "unknown_agent", currentVersion: 3, expectedVersion: null, retryable: false, "report");
    }

    [Fact]
    public void A_deleted_file_says_create_against_the_tombstone_version()
    {
        var refusal = Structured(new Refusal(RefusalReason.NotFound, Plan, 4) { IsTombstone = true }.ToException());

        RefusalTests.AssertRefusal(refusal, "not_found", currentVersion: 4, expectedVersion: null, retryable: false, "create");
        Assert.True(refusal.GetProperty("deleted").GetBoolean());
    }

    [Fact]
    public void The_agent_and_path_of_the_call_are_kept_when_the_failure_names_none()
    {
        var refusal = Structured(new InvalidOperationException("boom"), agent: "planner", path: "plans/x.md");

        Assert.Equal("planner", refusal.GetProperty("agent").GetString());
        Assert.Equal("plans/x.md", refusal.GetProperty("path").GetString());
        Assert.True(ToolRefusals.IsUnexpected(new InvalidOperationException("boom")));
        Assert.False(ToolRefusals.IsUnexpected(new ArgumentException("bad")));
    }

    private static JsonElement Structured(Exception exception, string? agent = null, string? path = null)
    {
        var result = ToolRefusals.From(exception, agent, path);
        Assert.True(result.IsError);
        return result.StructuredContent!.Value;
    }
}
