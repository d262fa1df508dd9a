using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>Applies one <see cref="ModelOperation"/> to a state through <see cref="CoherenceRules"/>, in place.</summary>
internal sealed class OperationRunner
{
    private readonly CoherenceRules _rules;
    private readonly ModelUniverse _universe;
    private readonly List<InvalidationSignal> _signals = [];

    public OperationRunner(CoherenceRules rules, ModelUniverse universe)
    {
        _rules = rules ?? throw new ArgumentNullException(nameof(rules));
        _universe = universe ?? throw new ArgumentNullException(nameof(universe));
    }

    /// <summary>Runs <paramref name="op"/> on <paramref name="state"/>; the caller passes a clone when it needs the state before.</summary>
    /// <returns>The state after (a new instance only for Tick, which moves the clock) and the outcome.</returns>
    public (ModelState After, StepOutcome Outcome) Run(ModelState state, ModelOperation op)
    {
        ArgumentNullException.ThrowIfNull(state);
        _signals.Clear();
        var directory = state.Directory;
        var now = state.Now;
        var agent = op.Agent >= 0 ? _universe.Agents[op.Agent] : default;
        var key = op.Artifact >= 0 ? _universe.Artifacts[op.Artifact] : null;
        switch (op.Kind)
        {
            case ModelOperationKind.Read:
                var known = directory.Records.ContainsKey(key!);
                var read = _rules.Read(directory, agent, key!);

                // Reading a record the directory holds without content (a tombstone) answers not-found
                // with its version and registers the reader's view (so it can re-create with
                // CommitCas against it): a read, not a refusal. Only an unknown artifact is refused.
                return (state, read.Refusal is { Reason: RefusalReason.NotFound } && known ? new StepOutcome(false, "NotFound of a known record") : StepOutcome.From(read.Refusal));
            case ModelOperationKind.Acquire:
                return (state, StepOutcome.From(_rules.Acquire(directory, agent, key!, now).Refusal));
            case ModelOperationKind.Commit:
                return (state, StepOutcome.From(_rules.Commit(directory, agent, key!, _universe.Content, now, _signals).Refusal));
            case ModelOperationKind.CommitCas:
                return (state, StepOutcome.From(_rules.CommitCas(directory, agent, key!, _universe.Content, op.Expected, now, _signals).Refusal));
            case ModelOperationKind.Release:
                return (state, _rules.Release(directory, agent, key!) ? StepOutcome.Ok : new StepOutcome(true, "NoGrant"));
            case ModelOperationKind.Delete:
                return (state, StepOutcome.From(_rules.Delete(directory, agent, key!, now, _signals).Refusal));
            case ModelOperationKind.DeleteCas:
                return (state, StepOutcome.From(_rules.DeleteCas(directory, agent, key!, op.Expected, now, _signals).Refusal));
            case ModelOperationKind.Heartbeat:
                return (state, StepOutcome.From(_rules.Heartbeat(directory, agent, now)));
            case ModelOperationKind.Tick:
                return (state with { Now = now + ExplorerBounds.Step }, StepOutcome.Ok);
            case ModelOperationKind.Sweep:
                _rules.Sweep(directory, ExplorerBounds.Policy, now, _signals);
                return (state, StepOutcome.Ok);
            default:
                throw new ArgumentOutOfRangeException(nameof(op), op.Kind, "Unknown step.");
        }
    }
}
