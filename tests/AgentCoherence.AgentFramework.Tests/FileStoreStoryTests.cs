using System.Text.Json;
using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentCoherence.AgentFramework.Tests;

#pragma warning disable MAAI001 // FileAccessProvider and AgentFileStore are experimental in the framework.

/// <summary>Two ChatClientAgents edit plans/plan.md through FileAccessProvider on one CoherentAgentFileStore.</summary>
public sealed class FileStoreStoryTests
{
    private const string Plan = "plans/plan.md";

    [Theory]
    [MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task A_stale_overwrite_is_refused_the_model_sees_why_rereads_and_both_edits_survive(string kind)
    {
        await using var stores = await Stores.OpenAsync(kind);
        var files = new CoherentAgentFileStore(stores.Client);

        var aliceModel = new ScriptedChatClient();
        var bobModel = new ScriptedChatClient();
        var alice = AgentOver(files, aliceModel, "alice");
        var bob = AgentOver(files, bobModel, "bob");

        // Alice creates the plan; Bob reads it.
        aliceModel.Call(FileAccessProvider.WriteToolName, ("fileName", Plan), ("content", "# Plan\n"), ("overwrite", false)).Say("created");
        await alice.RunAsync("create the plan");
        bobModel.Call(FileAccessProvider.ReadFileToolName, ("fileName", Plan)).Say("read");
        await bob.RunAsync("read the plan");

        // Alice adds her step (v2): Bob's copy is now stale.
        aliceModel.Call(FileAccessProvider.ReadFileToolName, ("fileName", Plan))
            .Then(request => Write(ScriptedChatClient.LastToolResult(request) + "- alice: draft the API\n"))
            .Say("added");
        await alice.RunAsync("add your step");

        // Bob overwrites from his stale copy: refused. He re-reads and merges.
        bobModel.Call(FileAccessProvider.WriteToolName, ("fileName", Plan), ("content", "# Plan\n- bob: write the tests\n"), ("overwrite", true))
            .Call(FileAccessProvider.ReadFileToolName, ("fileName", Plan))
            .Then(request => Write(ScriptedChatClient.LastToolResult(request) + "- bob: write the tests\n"))
            .Say("merged");
        await bob.RunAsync("add your step");

        var refusal = ToolResult(bobModel.Requests[^3]);
        Assert.Equal("stale_view", refusal.GetProperty("reason").GetString());
        Assert.Equal(2, refusal.GetProperty("current_version").GetInt64());
        Assert.Equal(1, refusal.GetProperty("expected_version").GetInt64());
        Assert.Equal("reacquire", refusal.GetProperty("next_action").GetString());
        Assert.Equal(Plan, refusal.GetProperty("path").GetString());

        var final = await stores.Client.Agent("auditor").ReadAsync(Plan);
        Assert.Equal(3, final.Version);
        Assert.Equal("# Plan\n- alice: draft the API\n- bob: write the tests\n", final.Text);
        Assert.Equal("bob", final.LastWriter?.Value);
    }

    private static ChatClientAgent AgentOver(AgentFileStore files, IChatClient model, string name) =>
        new(model, new ChatClientAgentOptions
        {
            Name = name,
            AIContextProviders =
            [
                new FileAccessProvider(files, new FileAccessProviderOptions { DisableReadOnlyToolApproval = true, DisableWriteToolApproval = true }).WithCoherence(),
            ],
        });

    private static ChatMessage Write(string content) =>
        new(ChatRole.Assistant, [new FunctionCallContent(Guid.NewGuid().ToString("N"), FileAccessProvider.WriteToolName,
            new Dictionary<string, object?> { ["fileName"] = Plan, ["content"] = content, ["overwrite"] = true })]);

    private static JsonElement ToolResult(IReadOnlyList<ChatMessage> request)
    {
        var result = request.SelectMany(m => m.Contents).OfType<FunctionResultContent>().Last().Result;
        return Assert.IsType<JsonElement>(result);
    }
}
