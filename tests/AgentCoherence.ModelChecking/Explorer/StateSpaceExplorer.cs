using System.Diagnostics;
using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>
/// Exhaustive breadth-first exploration of the protocol as <see cref="CoherenceRules"/> implements it.
/// From the initial state (every agent registered at t0, no records) it tries every operation of every
/// agent on every artifact, every heartbeat, a tick of the clock and a sweep, each on a copy of the
/// state; checks the step invariants on every step (refused ones included) and the state invariants on
/// every state whose canonical key is new (states sharing a key are judged alike); and stops at the
/// first violation, breadth-first, so with a shortest path to it.
/// </summary>
internal sealed class StateSpaceExplorer
{
    private readonly CoherenceRules _rules;
    private readonly ModelUniverse _universe;
    private readonly CanonicalEncoder _encoder;
    private readonly OperationRunner _runner;
    private readonly TransitionChecker _transitions;
    private readonly StateCopier _copier = new();

    public StateSpaceExplorer(CoherenceRules rules, ExplorerBounds bounds)
    {
        _rules = rules ?? throw new ArgumentNullException(nameof(rules));
        _universe = new ModelUniverse(bounds);
        _encoder = new CanonicalEncoder(_universe);
        _runner = new OperationRunner(rules, _universe);
        _transitions = new TransitionChecker(_universe);
    }

    public ExplorationResult Explore()
    {
        var clock = Stopwatch.StartNew();
        var bounds = _universe.Bounds;
        var coverage = new CoverageFacts();

        // The search tree, for counterexamples: node i was reached from Parents[i] by Steps[i].
        var parents = new List<int> { -1 };
        var steps = new List<ModelOperation> { default };

        var initial = _universe.InitialState(_rules);
        var visited = new HashSet<string>(StringComparer.Ordinal) { _encoder.Encode(initial, bounds.CollapseSymmetry) };
        var queue = new Queue<Frontier>();
        queue.Enqueue(new Frontier(initial, 0, 0, new long[_universe.Artifacts.Count]));
        coverage.ObserveState(initial);

        long transitions = 0, landed = 0, pruned = 0;
        var maxDepth = 0;
        var truncated = false;
        var ops = new List<ModelOperation>();

        if (StateInvariants.Check(_universe, initial) is { } initialViolation)
        {
            return Finish(new Counterexample(initialViolation, [], StepOutcome.Ok, string.Empty, StateDump.Format(_universe, initial)));
        }

        while (queue.Count > 0)
        {
            var (state, node, depth, highWater) = queue.Dequeue();
            maxDepth = Math.Max(maxDepth, depth);
            OperationCatalog.Fill(_universe, state, ops);

            // Steps run on a working copy. A refused step is proven to leave it exactly equal to the
            // state, so it is reused as is; a step that lands on a known state is undone by copying
            // the state back over it; only a step that lands on a new state keeps it.
            var work = state.DeepCopy();
            foreach (var op in ops)
            {
                transitions++;
                var (after, outcome, violation) = Step(state, work, op, highWater);
                if (violation is not null)
                {
                    return Finish(Found(violation, node, parents, steps, op, outcome, state, after));
                }

                if (outcome.Refused)
                {
                    coverage.ObserveRefusal(outcome);
                    continue;
                }

                landed++;
                var beyondBounds = ExceedsBounds(after);
                if (!beyondBounds && !visited.Add(_encoder.Encode(after, bounds.CollapseSymmetry)))
                {
                    // An equivalent state was already checked: the invariants hold or fail alike in both.
                    _copier.CopyInto(state.Directory, work.Directory);
                    continue;
                }

                if (StateInvariants.Check(_universe, after) is { } stateViolation)
                {
                    return Finish(Found(stateViolation, node, parents, steps, op, outcome, state, after));
                }

                if (beyondBounds)
                {
                    coverage.ObservePruned(after, bounds);
                    pruned++;
                    _copier.CopyInto(state.Directory, work.Directory);
                    continue;
                }

                coverage.ObserveStep(state, after);
                coverage.ObserveState(after);
                parents.Add(node);
                steps.Add(op);
                queue.Enqueue(new Frontier(after, parents.Count - 1, depth + 1, RaiseHighWater(highWater, after)));
                if (visited.Count >= bounds.MaxStates)
                {
                    truncated = true;
                    queue.Clear();
                    break;
                }

                work = state.DeepCopy();
            }
        }

        return Finish(null);

        ExplorationResult Finish(Counterexample? counterexample) =>
            new(bounds, visited.Count, transitions, landed, pruned, maxDepth, clock.Elapsed, coverage, counterexample, truncated);
    }

    /// <summary>
    /// Re-runs a path from the initial state with every check on, independently of the search: a
    /// counterexample from <see cref="Explore"/> must reproduce its violation here.
    /// </summary>
    /// <returns>The first violation along the path, or null.</returns>
    public Counterexample? Replay(IReadOnlyList<ModelOperation> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var state = _universe.InitialState(_rules);
        var highWater = new long[_universe.Artifacts.Count];
        for (var i = 0; i < path.Count; i++)
        {
            var (after, outcome, violation) = Step(state, state.DeepCopy(), path[i], highWater);
            if (violation is null && !outcome.Refused)
            {
                violation = StateInvariants.Check(_universe, after);
            }

            if (violation is not null)
            {
                return new Counterexample(violation, path.Take(i + 1).ToArray(), outcome, StateDump.Format(_universe, state), StateDump.Format(_universe, after));
            }

            if (!outcome.Refused)
            {
                highWater = RaiseHighWater(highWater, after);
                state = after;
            }
        }

        return null;
    }

    private (ModelState After, StepOutcome Outcome, Violation? Violation) Step(ModelState before, ModelState work, ModelOperation op, long[] highWater)
    {
        var (after, outcome) = _runner.Run(work, op);
        return (after, outcome, _transitions.Check(before, op, outcome, after, highWater));
    }

    private bool ExceedsBounds(ModelState state)
    {
        foreach (var record in state.Directory.Records.Values)
        {
            if (record.Version > _universe.Bounds.MaxVersion || (_universe.Bounds.MaxEpoch is { } epochCap && record.OwnerEpoch > epochCap))
            {
                return true;
            }
        }

        return false;
    }

    private long[] RaiseHighWater(long[] highWater, ModelState state)
    {
        long[]? raised = null;
        for (var i = 0; i < highWater.Length; i++)
        {
            var version = state.VersionOf(_universe.Artifacts[i]);
            if (version > highWater[i])
            {
                raised ??= (long[])highWater.Clone();
                raised[i] = version;
            }
        }

        return raised ?? highWater;
    }

    private Counterexample Found(
        Violation violation, int node, List<int> parents, List<ModelOperation> steps, ModelOperation op, StepOutcome outcome, ModelState before, ModelState after)
    {
        var trace = TraceTo(node, parents, steps);
        trace.Add(op);
        return new Counterexample(violation, trace, outcome, StateDump.Format(_universe, before), StateDump.Format(_universe, after));
    }

    private static List<ModelOperation> TraceTo(int node, List<int> parents, List<ModelOperation> steps)
    {
        var trace = new List<ModelOperation>();
        for (var at = node; at > 0; at = parents[at])
        {
            trace.Add(steps[at]);
        }

        trace.Reverse();
        return trace;
    }

    private readonly record struct Frontier(ModelState State, int Node, int Depth, long[] HighWater);
}
