using System.Diagnostics;

namespace AgentCoherence.ModelChecking.ClientModel;

/// <summary>
/// Explores every interleaving of a <see cref="ClientScenario"/>: from each state, every enabled step (start
/// an operation, apply a held call, answer it, lose its reply or request, deliver a queued signal, sweep,
/// tick, forget) is taken on a world replayed from the initial state (real client objects cannot be copied),
/// its invariants checked, and the state it reaches kept when its hash is new. A state that broke an
/// invariant is reported (the first counterexample per invariant) and not explored further.
/// </summary>
/// <remarks>
/// <para>
/// Sleep sets (Godefroid) skip the second order of two steps that commute (<see cref="StepId.IndependentOf"/>):
/// every reachable state is still visited and checked, only transitions that would reach an already reached
/// state through the other order are not taken. A state reached again with a sleep set that does not contain
/// its stored one is expanded again with the steps that woke up, which keeps this exact with state caching.
/// </para>
/// <para>
/// Depth-first by default: the world a step leaves behind is the one the next state is expanded from, so a
/// replay is needed only per further step of a state. Breadth-first (for mutants) gives shortest counterexamples.
/// </para>
/// </remarks>
internal sealed class ClientExplorer(ClientScenario scenario)
{
    private const int LiveWorlds = 4_096;

    private long _stepsRun;

    public ClientScenario Scenario { get; } = scenario;

    /// <summary>Explores the scenario.</summary>
    /// <param name="stopAt">Stop as soon as one of these invariants is broken (a mutant's); explore everything when null.</param>
    /// <param name="breadthFirst">Breadth-first, so each invariant's counterexample is a shortest one.</param>
    /// <param name="sleepSets">Skip transitions that commute with ones already taken; off only to check that it reaches the same states.</param>
    public ClientExplorationResult Explore(IReadOnlyCollection<ClientInvariant>? stopAt = null, bool breadthFirst = false, bool sleepSets = true) =>
        OnOwnThread(() => ExploreCore(stopAt, breadthFirst, sleepSets));

    /// <summary>Runs a path from the initial state; the first violation on it, or null when it breaks nothing.</summary>
    /// <exception cref="InvalidOperationException">A step of the path is not enabled where the path takes it.</exception>
    public ClientCounterexample? Replay(IReadOnlyList<ClientStep> path)
    {
        var (violation, steps) = Walk(path);
        return steps < path.Count && violation is null
            ? throw new InvalidOperationException($"Step {steps + 1} of the path ({path[steps]}) is not enabled there.")
            : violation;
    }

    /// <summary>
    /// Runs a path as far as its steps are enabled (another client may issue other calls): the first violation
    /// on the way, and how many steps were taken.
    /// </summary>
    public (ClientCounterexample? Violation, int Steps) Walk(IReadOnlyList<ClientStep> path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return OnOwnThread(() =>
        {
            var world = new ClientWorld(Scenario);
            var labels = new List<string>();
            for (var i = 0; i < path.Count; i++)
            {
                if (!world.EnabledSteps().Contains(path[i]))
                {
                    return ((ClientCounterexample?)null, i);
                }

                var broken = world.Run(path[i]);
                labels.Add(world.LastLabel);
                if (broken.Count > 0)
                {
                    return (new ClientCounterexample(broken[0].Invariant, broken[0].Message, path.Take(i + 1).ToList(), labels, world.Describe()), i + 1);
                }
            }

            return (null, path.Count);
        });
    }

    // The client's continuations run inline only on a thread without a synchronization context (an await
    // without ConfigureAwait(false), such as CoherentAgent's `await using`, would post to the test
    // framework's); a thread of our own has none and the default task scheduler.
    private static T OnOwnThread<T>(Func<T> run)
    {
        T? result = default;
        Exception? failure = null;
        var thread = new Thread(() =>
        {
            try
            {
                result = run();
            }
            catch (Exception ex)
            {
                failure = ex;
            }
        });
        thread.Start();
        thread.Join();
        return failure is null ? result! : throw new InvalidOperationException("The exploration failed: " + failure.Message, failure);
    }

    private ClientExplorationResult ExploreCore(IReadOnlyCollection<ClientInvariant>? stopAt, bool breadthFirst, bool sleepSets)
    {
        var clock = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        _stepsRun = 0;
        var timeMatters = Scenario.Strategy == CacheStrategy.Lease;
        var coverage = new HashSet<string>(StringComparer.Ordinal);
        var violations = new Dictionary<ClientInvariant, ClientCounterexample>();

        // The search graph: node i was first reached from Nodes[i].Parent by Nodes[i].Step.
        var nodes = new List<Node>();
        var visited = new Dictionary<UInt128, int>();
        var work = new LinkedList<Job>();
        var initial = new ClientWorld(Scenario);
        nodes.Add(new Node(-1, default, 0, initial.StateHash(), []));
        visited[nodes[0].Hash] = 0;
        work.AddLast(new Job(0, null));

        // The worlds left at new nodes by the steps that reached them: a node's first job starts from its world
        // instead of a replay. Depth-first, few are waiting at any time; the cap bounds breadth-first runs.
        var live = new Dictionary<int, ClientWorld> { [0] = initial };
        long transitions = 0, finished = 0, revisits = 0;
        var maxDepth = 0;
        var truncated = false;
        var path = new List<ClientStep>();
        var enabled = new List<(ClientStep Step, StepId Id)>();

        while (work.Count > 0)
        {
            Job job;
            if (breadthFirst)
            {
                job = work.First!.Value;
                work.RemoveFirst();
            }
            else
            {
                job = work.Last!.Value;
                work.RemoveLast();
            }

            var node = nodes[job.Node];
            maxDepth = Math.Max(maxDepth, node.Depth);
            PathTo(job.Node, nodes, path);
            if (!live.Remove(job.Node, out var world))
            {
                world = Replay(path);
                if (world.StateHash() != node.Hash)
                {
                    throw new InvalidOperationException($"Replaying a path reached another state: the model is not deterministic.{Environment.NewLine}{Found(ClientInvariant.UnexpectedFailure, "-", path)}");
                }
            }

            enabled.Clear();
            enabled.AddRange(world.EnabledSteps().Select(s => (s, world.IdOf(s))));
            if (job.Only is null)
            {
                node.Expanded = true;
                if (enabled.Count == 0)
                {
                    finished++;
                    if (!world.Finished)
                    {
                        violations.TryAdd(ClientInvariant.UnexpectedFailure, Found(ClientInvariant.UnexpectedFailure, "no step is enabled, yet an operation is still running (stuck)", path));
                    }

                    continue;
                }
            }

            // The sleep set is read now, not when the job was made: a revisit may have shrunk it since.
            var sleep = node.Sleep;
            var candidates = enabled.Where(e => job.Only is { } only ? only.Contains(e.Id) : !sleep.Contains(e.Id)).ToList();
            var explored = new List<StepId>();
            for (var i = 0; i < candidates.Count; i++)
            {
                var (step, id) = candidates[i];
                var next = i == 0 ? world : Replay(path);
                next.Quiet = false;
                transitions++;
                _stepsRun++;
                var broken = next.Run(step);
                coverage.UnionWith(next.Coverage);
                var childSleep = sleepSets ? sleep.Concat(explored).Where(z => z.IndependentOf(id, timeMatters)).ToArray() : [];
                explored.Add(id);
                if (broken.Count > 0)
                {
                    var full = new List<ClientStep>(path) { step };
                    foreach (var (invariant, message) in broken)
                    {
                        if (!violations.ContainsKey(invariant))
                        {
                            violations[invariant] = Found(invariant, message, full);
                        }
                    }

                    if (stopAt is not null && broken.Any(b => stopAt.Contains(b.Invariant)))
                    {
                        return Result(truncated: true);
                    }

                    continue;
                }

                var hash = next.StateHash();
                if (visited.TryGetValue(hash, out var seen))
                {
                    // Reached again: steps asleep there but awake on this path must still be taken from it.
                    var known = nodes[seen];
                    var woken = known.Sleep.Where(z => !childSleep.Contains(z)).ToArray();
                    if (woken.Length > 0)
                    {
                        known.Sleep = known.Sleep.Where(childSleep.Contains).ToArray();
                        if (known.Expanded)
                        {
                            revisits++;
                            Schedule(new Job(seen, woken));
                        }
                    }

                    continue;
                }

                nodes.Add(new Node(job.Node, step, node.Depth + 1, hash, childSleep));
                visited[hash] = nodes.Count - 1;
                Schedule(new Job(nodes.Count - 1, null));
                if (live.Count < LiveWorlds)
                {
                    live[nodes.Count - 1] = next;
                }

                if (nodes.Count >= Scenario.Bounds.MaxStates)
                {
                    truncated = true;
                    work.Clear();
                    break;
                }
            }
        }

        return Result(truncated);

        void Schedule(Job job) => work.AddLast(job);

        ClientExplorationResult Result(bool truncated) =>
            new(Scenario, nodes.Count, transitions, _stepsRun, maxDepth, finished, revisits, clock.Elapsed, Process.GetCurrentProcess().TotalProcessorTime - cpu, coverage, violations, truncated);
    }

    private static void PathTo(int node, List<Node> nodes, List<ClientStep> path)
    {
        path.Clear();
        for (var n = node; n > 0; n = nodes[n].Parent)
        {
            path.Add(nodes[n].Step);
        }

        path.Reverse();
    }

    private ClientWorld Replay(List<ClientStep> path)
    {
        var world = new ClientWorld(Scenario) { Quiet = true };
        foreach (var step in path)
        {
            _stepsRun++;
            if (world.Run(step).Count > 0)
            {
                throw new InvalidOperationException("A stored path broke an invariant on replay: the model is not deterministic.");
            }
        }

        return world;
    }

    private ClientCounterexample Found(ClientInvariant invariant, string message, List<ClientStep> path)
    {
        var world = new ClientWorld(Scenario);
        var labels = new List<string>();
        foreach (var step in path)
        {
            world.Run(step);
            labels.Add(world.LastLabel);
        }

        return new ClientCounterexample(invariant, message, path.ToList(), labels, world.Describe());
    }

    /// <summary>A reached state: how it was first reached, and the steps asleep in it.</summary>
    private sealed class Node(int parent, ClientStep step, int depth, UInt128 hash, StepId[] sleep)
    {
        public int Parent { get; } = parent;

        public ClientStep Step { get; } = step;

        public int Depth { get; } = depth;

        public UInt128 Hash { get; } = hash;

        public StepId[] Sleep { get; set; } = sleep;

        public bool Expanded { get; set; }
    }

    /// <summary>Expand a node: with every step awake (<see cref="Only"/> null), or again with the steps a revisit woke up.</summary>
    private readonly record struct Job(int Node, StepId[]? Only);
}
