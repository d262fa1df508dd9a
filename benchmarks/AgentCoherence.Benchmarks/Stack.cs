using AgentCoherence.Protocol;

namespace AgentCoherence.Benchmarks;

/// <summary>Shared set-up: an in-memory stack with no timers, and a counter that declares sizes instead of tokenizing.</summary>
internal static class Stack
{
    public const string Content = "# Plan\n1. Research the billing API\n2. Write the client behind a feature flag\n3. Add contract tests\n";

    public static CoherenceOptions Options()
    {
        var options = new CoherenceOptions();
        options.CrashRecovery.Enabled = false;
        return options;
    }

    public static CoherenceClient Client(InMemoryDirectoryStore store) =>
        new(store, new InMemoryEventBus(), Options(), tokenCounter: new FixedTokenCounter(320));

    public static AgentOptions Quiet => new() { SendHeartbeats = false };

    public static ContentPayload Payload() => ContentPayload.Create(System.Text.Encoding.UTF8.GetBytes(Content), 320);

    public static T Wait<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();

    public static void Wait(ValueTask task)
    {
        if (!task.IsCompletedSuccessfully)
        {
            task.AsTask().GetAwaiter().GetResult();
        }
    }

    private sealed class FixedTokenCounter(int tokens) : ITokenCounter
    {
        public int CountTokens(string text) => tokens;
    }
}
