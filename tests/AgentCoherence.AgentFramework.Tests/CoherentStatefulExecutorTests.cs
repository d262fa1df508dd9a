using System.Text.Json;
using AgentCoherence.AgentFramework.Workflows;
using Microsoft.Agents.AI.Workflows;

namespace AgentCoherence.AgentFramework.Tests;

/// <summary>Executors whose state is one coherent artifact.</summary>
public sealed class CoherentStatefulExecutorTests
{
    [Theory]
    [MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task Two_executors_and_an_outside_writer_update_one_state_and_no_update_is_lost(string kind)
    {
        await using var stores = await Stores.OpenAsync(kind);
        var state = stores.Client.Key("workflows/release/checklist");
        var outsider = stores.Client.Agent("outsider");
        var first = new Checklist("first", stores.Client.Agent("first"), state)
        {
            // Between the first executor's read and its commit, another process adds an item.
            BeforeApply = () => outsider.UpdateAsync(state, current => JsonSerializer.Serialize(
                (current is null ? [] : JsonSerializer.Deserialize<List<string>>(current.Text)!).Append("outsider").ToList())).AsTask().GetAwaiter().GetResult(),
        };
        var second = new Checklist("second", stores.Client.Agent("second"), state);
        var builder = new WorkflowBuilder(first);
        builder.AddEdge(first, second).WithOutputFrom(second);

        await using (var run = await InProcessExecution.RunAsync(builder.Build(), "item"))
        {
            Assert.Contains(run.NewEvents, e => e is WorkflowOutputEvent);
        }

        var final = JsonSerializer.Deserialize<List<string>>((await stores.Client.Agent("auditor").ReadAsync(state)).Text);
        Assert.Equal(["outsider", "first: item", "second: item"], final);
        Assert.Equal(2, first.Applied);
        Assert.Equal(1, second.Applied);
    }

    [SendsMessage(typeof(string))]
    [YieldsOutput(typeof(int))]
    private sealed class Checklist(string id, CoherentAgent agent, ArtifactKey state) : CoherentStatefulExecutor<List<string>, string>(id, agent, state)
    {
        public Action? BeforeApply { get; set; }

        public int Applied { get; private set; }

        protected override List<string> InitialState() => [];

        protected override List<string> Apply(string message, List<string> state)
        {
            Applied++;
            var interfere = BeforeApply;
            BeforeApply = null;
            interfere?.Invoke();
            return [.. state, $"{Id}: {message}"];
        }

        protected override async ValueTask OnCommittedAsync(string message, List<string> state, IWorkflowContext context, CancellationToken cancellationToken)
        {
            await context.SendMessageAsync(message, cancellationToken);
            await context.YieldOutputAsync(state.Count, cancellationToken);
        }
    }
}
