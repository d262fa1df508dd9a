using System.Text.Json;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentCoherence.AgentFramework.Tests;

/// <summary>The ready read_artifact / write_artifact / write_artifact_cas tools, driven by scripted models.</summary>
public sealed class ArtifactToolsTests
{
    [Theory]
    [MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task A_conflicting_cas_write_reaches_the_models_next_request_as_a_structured_result(string kind)
    {
        await using var stores = await Stores.OpenAsync(kind);
        var tools = ArtifactTools.Create(stores.Client);
        var aliceModel = new ScriptedChatClient();
        var bobModel = new ScriptedChatClient();
        var alice = new ChatClientAgent(aliceModel, new ChatClientAgentOptions { Name = "alice", ChatOptions = new ChatOptions { Tools = tools } });
        var bob = new ChatClientAgent(bobModel, new ChatClientAgentOptions { Name = "bob", ChatOptions = new ChatOptions { Tools = tools } });

        aliceModel.Call(ArtifactTools.WriteCasToolName, ("path", "notes/todo.md"), ("content", "- alice\n"), ("expected_version", 0)).Say("created");
        await alice.RunAsync("create");

        // Bob creates too, expecting no artifact: refused; he reads version 1 and writes on top of it.
        bobModel.Call(ArtifactTools.WriteCasToolName, ("path", "notes/todo.md"), ("content", "- bob\n"), ("expected_version", 0))
            .Then(request =>
            {
                var refusal = LastResult(request);
                return Call(ArtifactTools.ReadToolName, ("path", refusal.GetProperty("path").GetString()));
            })
            .Then(request =>
            {
                var read = LastResult(request);
                return Call(ArtifactTools.WriteCasToolName, ("path", "notes/todo.md"), ("content", read.GetProperty("text").GetString() + "- bob\n"),
                    ("expected_version", read.GetProperty("version").GetInt64()));
            })
            .Say("merged");
        await bob.RunAsync("add yours");

        var refused = LastResult(bobModel.Requests[1]);
        Assert.Equal("version_conflict", refused.GetProperty("reason").GetString());
        Assert.Equal(1, refused.GetProperty("current_version").GetInt64());
        Assert.Equal(0, refused.GetProperty("expected_version").GetInt64());
        Assert.Equal("merge", refused.GetProperty("next_action").GetString());

        var written = LastResult(bobModel.Requests[3]);
        Assert.Equal(2, written.GetProperty("version").GetInt64());
        var final = await stores.Client.Agent("auditor").ReadAsync("notes/todo.md");
        Assert.Equal("- alice\n- bob\n", final.Text);
    }

    [Fact]
    public async Task A_plain_write_over_an_unseen_change_is_refused_as_stale_view()
    {
        await using var client = CoherenceClient.CreateInMemory();
        var tools = ArtifactTools.Create(client, agentId: "bob");
        var read = (AIFunction)tools.Single(t => t.Name == ArtifactTools.ReadToolName);
        var write = (AIFunction)tools.Single(t => t.Name == ArtifactTools.WriteToolName);
        await client.Agent("alice").WriteAsync("plan.md", "v1");
        await read.InvokeAsync(new AIFunctionArguments { ["path"] = "plan.md" });
        await client.Agents.Single(a => a.Id.Value == "alice").WriteAsync("plan.md", "v2");

        var result = Assert.IsType<JsonElement>(await write.InvokeAsync(new AIFunctionArguments { ["path"] = "plan.md", ["content"] = "bob's" }));

        Assert.Equal("stale_view", result.GetProperty("reason").GetString());
        Assert.Equal(2, result.GetProperty("current_version").GetInt64());
        Assert.Equal(1, result.GetProperty("expected_version").GetInt64());
    }

    [Fact]
    public async Task Exceptions_that_are_not_coherence_failures_pass_through_the_wrapper()
    {
        var failing = AIFunctionFactory.Create(new Func<int>(() => throw new InvalidOperationException("boom")), "fails");
        var wrapped = (AIFunction)new[] { failing }.WithCoherence().Single();

        await Assert.ThrowsAsync<InvalidOperationException>(async () => await wrapped.InvokeAsync(new AIFunctionArguments()));
    }

    [Fact]
    public void Wrapping_keeps_the_approval_requirement_and_is_idempotent()
    {
        var tool = new ApprovalRequiredAIFunction(AIFunctionFactory.Create(() => 1, "one"));

        var once = new AITool[] { tool }.WithCoherence().Single();
        var twice = once is AIFunction f ? new AITool[] { f }.WithCoherence().Single() : null;

        Assert.IsType<ApprovalRequiredAIFunction>(once);
        Assert.NotNull(once.GetService(typeof(CoherentAIFunction)));
        Assert.Same(once, twice);
    }

    private static ChatMessage Call(string tool, params (string Name, object? Value)[] arguments) =>
        new(ChatRole.Assistant, [new FunctionCallContent(Guid.NewGuid().ToString("N"), tool, arguments.ToDictionary(a => a.Name, a => a.Value))]);

    private static JsonElement LastResult(IReadOnlyList<ChatMessage> request) =>
        Assert.IsType<JsonElement>(request.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Last().Result);
}
