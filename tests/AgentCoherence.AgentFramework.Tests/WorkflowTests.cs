using AgentCoherence.AgentFramework.Workflows;
using Microsoft.Agents.AI.Workflows;

namespace AgentCoherence.AgentFramework.Tests;

/// <summary>Two executors of one workflow edit plans/plan.md through the workflow-context helpers.</summary>
public sealed class WorkflowTests
{
    [Theory]
    [MemberData(nameof(Stores.All), MemberType = typeof(Stores))]
    public async Task An_executor_writing_from_a_stale_read_gets_a_refusal_rereads_and_both_edits_survive(string kind)
    {
        await using var stores = await Stores.OpenAsync(kind);
        var plan = stores.Client.Key("plans/plan.md");
        await stores.Client.Agent("seed").WriteAsync(plan, "# Plan\n");
        var planner = new Planner(stores.Client.Agent("planner"), plan);
        var reviewer = new Reviewer(stores.Client.Agent("reviewer"), plan);
        var builder = new WorkflowBuilder(planner);
        builder.AddEdge(planner, reviewer).AddEdge(reviewer, planner).WithOutputFrom(planner);

        await using (var run = await InProcessExecution.RunAsync(builder.Build(), "start"))
        {
            Assert.Contains(run.NewEvents, e => e is WorkflowOutputEvent { Data: "done" });
        }

        var refusal = Assert.Single(planner.Refusals);
        Assert.Equal(RefusalReason.VersionConflict, refusal.Reason);
        Assert.Equal(2, refusal.CurrentVersion);
        var final = await stores.Client.Agent("auditor").ReadAsync(plan);
        Assert.Equal("# Plan\n- reviewer: check the tests\n- planner: draft the API\n", final.Text);
        Assert.Equal(3, final.Version);
    }

    /// <summary>Reads the plan, lets the reviewer edit it, then writes from its (now stale) read: refused, so it merges.</summary>
    [SendsMessage(typeof(string))]
    [YieldsOutput(typeof(string))]
    private sealed class Planner(CoherentAgent agent, ArtifactKey plan) : Executor<string>("planner")
    {
        public List<Refusal> Refusals { get; } = [];

        public override async ValueTask HandleAsync(string message, IWorkflowContext context, CancellationToken cancellationToken = default)
        {
            if (message == "start")
            {
                await context.ReadArtifactAsync(agent, plan, cancellationToken);
                await context.SendMessageAsync("your turn", cancellationToken);
                return;
            }

            var draft = "# Plan\n- planner: draft the API\n";
            var outcome = await context.TryWriteArtifactAsync(agent, plan, draft, cancellationToken);
            while (!outcome.Committed)
            {
                Refusals.Add(outcome.Refusal!);
                var current = await context.ReadArtifactAsync(agent, plan, cancellationToken);
                outcome = await context.TryWriteArtifactAsync(agent, plan, current!.Text + "- planner: draft the API\n", cancellationToken);
            }

            await context.YieldOutputAsync("done", cancellationToken);
        }
    }

    /// <summary>Reads the plan and adds its line.</summary>
    [SendsMessage(typeof(string))]
    private sealed class Reviewer(CoherentAgent agent, ArtifactKey plan) : Executor<string>("reviewer")
    {
        public override async ValueTask HandleAsync(string message, IWorkflowContext context, CancellationToken cancellationToken = default)
        {
            var current = await context.ReadArtifactAsync(agent, plan, cancellationToken);
            var outcome = await context.TryWriteArtifactAsync(agent, plan, current!.Text + "- reviewer: check the tests\n", cancellationToken);
            Assert.True(outcome.Committed);
            await context.SendMessageAsync("reviewed", cancellationToken);
        }
    }
}
