using Microsoft.Agents.AI;
using Microsoft.Extensions.AI;

namespace AgentCoherence.AgentFramework.Tests;

#pragma warning disable MAAI001 // AgentSessionStore is experimental in the framework.

/// <summary>Two hosts resume one conversation through CoherentAgentSessionStore over one inner store.</summary>
public sealed class SessionStoreTests
{
    [Theory]
    [MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Saving_a_session_over_a_newer_one_saved_by_another_host_is_refused(string kind)
    {
        await using var stores = await Stores.OpenAsync(kind);
        var inner = new MemorySessionStore();
        var hostA = new CoherentAgentSessionStore(inner, stores.Client, "host-a");
        var hostB = new CoherentAgentSessionStore(inner, stores.Client, "host-b");
        var model = new ScriptedChatClient().Say("one").Say("two").Say("three");
        var agent = new ChatClientAgent(model, new ChatClientAgentOptions { Name = "support" });
        var key = new AgentSessionStoreKey("conversation-7");

        // Host A starts the conversation and saves it.
        var first = await agent.CreateSessionAsync();
        await agent.RunAsync("hello", first);
        await hostA.SaveSessionAsync(agent, key, first);

        // Both hosts resume it; B saves a new turn first.
        var atA = await hostA.GetSessionAsync(agent, key);
        var atB = await hostB.GetSessionAsync(agent, key);
        await agent.RunAsync("from b", atB);
        await hostB.SaveSessionAsync(agent, key, atB!);

        // A's save would drop B's turn: refused, and the stored session is still B's.
        await agent.RunAsync("from a", atA);
        var refused = await Assert.ThrowsAsync<StaleViewException>(async () => await hostA.SaveSessionAsync(agent, key, atA!));
        Assert.Equal(2, refused.Refusal.CurrentVersion);
        var stored = await inner.GetSessionAsync(agent, key);
        var storedText = (await agent.SerializeSessionAsync(stored!)).GetRawText();
        Assert.Contains("from b", storedText, StringComparison.Ordinal);
        Assert.DoesNotContain("from a", storedText, StringComparison.Ordinal);

        // After reloading, A saves.
        var reloaded = await hostA.GetSessionAsync(agent, key);
        await hostA.SaveSessionAsync(agent, key, reloaded!);
    }
}
