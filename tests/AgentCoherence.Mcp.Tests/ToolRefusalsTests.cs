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
        Assert.StartsWith("The outcome of Commit on 'plans/plan.md' is unknown", refusal.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unreachable_store_is_retryable_and_says_wait()
    {
        var refusal = Structured(new StoreUnavailableException("Read", Plan, "Read on 'plans/plan.md' failed at the directory store.", new IOException("connection refused")));

        RefusalTests.AssertRefusal(refusal, "store_unavailable", currentVersion: null, expectedVersion: null, retryable: true, "wait");
        Assert.Equal("plans/plan.md", refusal.GetProperty("path").GetString());
    }

    [Fact]
    public void A_store_failure_names_the_path_as_the_call_spelled_it()
    {
        var failure = new StoreUnavailableException("Commit", Plan, $"Commit on '{Plan}' failed at the directory store (IOException: connection refused). Nothing was applied; retry later.");

        var refusal = Structured(failure, agent: "planner", path: "./plans/plan.md");

        Assert.Equal("./plans/plan.md", refusal.GetProperty("path").GetString());
        Assert.StartsWith("Commit on './plans/plan.md' failed", refusal.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void An_unexpected_failure_naming_the_calls_store_key_names_the_callers_path_instead()
    {
        var refusal = Structured(new InvalidOperationException($"Something broke on '{Plan}'."), agent: "planner", path: "plans/plan.md");

        Assert.Equal("internal_error", refusal.GetProperty("reason").GetString());
        Assert.Equal("Unexpected InvalidOperationException: Something broke on 'plans/plan.md'.", refusal.GetProperty("message").GetString());
    }

    [Fact]
    public void A_refusal_on_a_key_outside_the_volume_is_shown_as_it_is()
    {
        var other = new ArtifactKey("team", "notes.md");

        var refusal = ToolRefusals.From(new Refusal(RefusalReason.NotFound, other, 0).ToException(), agent: null, path: null);

        Assert.Equal("team/notes.md", refusal.StructuredContent!.Value.GetProperty("path").GetString());
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
        return InProcessServer.AssertRefusalShape(result);
    }
}
