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

    [Fact]
    public async Task Restoring_a_checkpoint_restores_the_version_the_executor_had_read()
    {
        await using var client = CoherenceClient.CreateInMemory();
        var plan = client.Key("plans/plan.md");
        await client.Agent("seed").WriteAsync(plan, "# Plan\n");
        var editor = new Editor(client.Agent("editor"), plan);
        var builder = new WorkflowBuilder(editor);
        builder.AddEdge(editor, editor);
        var checkpoints = CheckpointManager.CreateInMemory();
        var workflow = builder.Build();

        CheckpointInfo afterRead;
        await using (var run = await InProcessExecution.RunAsync(workflow, "read", checkpoints))
        {
            afterRead = run.Checkpoints[0];
        }

        // Resuming after the read replays the write from the view the checkpoint holds (version 1); the artifact is at
        // version 2 now (the first run's write), so the replayed write is refused instead of committing blindly.
        await using (var resumed = await InProcessExecution.ResumeAsync(workflow, afterRead, checkpoints))
        {
            await resumed.GetStatusAsync();
        }

        Assert.Equal(2, editor.Outcomes.Count);
        Assert.True(editor.Outcomes[0].Committed);
        Assert.Equal(RefusalReason.VersionConflict, editor.Outcomes[1].Refusal?.Reason);
        Assert.Equal(2, editor.Outcomes[1].Refusal?.CurrentVersion);
        Assert.Equal(1, editor.Outcomes[1].Refusal?.CallerVersion);
    }

    /// <summary>Reads in one superstep and writes in the next (a message to itself).</summary>
    [SendsMessage(typeof(string))]
    private sealed class Editor(CoherentAgent agent, ArtifactKey plan) : Executor<string>("editor")
    {
        public List<ArtifactWriteOutcome> Outcomes { get; } = [];

        public override async ValueTask HandleAsync(string message, IWorkflowContext context, CancellationToken cancellationToken = default)
        {
            if (message == "read")
            {
                await context.ReadArtifactAsync(agent, plan, cancellationToken);
                await context.SendMessageAsync("write", cancellationToken);
                return;
            }

            Outcomes.Add(await context.TryWriteArtifactAsync(agent, plan, "# Plan\n- edited\n", cancellationToken));
        }
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
