using System.Globalization;
using AgentCoherence.Protocol;
using AgentCoherence.Recording;

namespace AgentCoherence.Internal;

/// <summary>
/// The work behind <see cref="RecordingReplay.Check"/>: recording-level invariants over the recorded outcomes,
/// then, per artifact, a depth-first search for an order consistent with real time in which the rules give
/// every recorded outcome (a linearizability check; state cloned at branch points, bounded by a step budget).
/// </summary>
internal sealed class ReplayEngine(IReadOnlyList<RecordingEntry> entries, int stepBudget, ReplayChecks checks)
{
    private const int ContextSize = 4;
    private static readonly CoherenceRules Rules = CoherenceRules.Default;

    private readonly int _stepBudget = stepBudget;
    private readonly List<ReplayDivergence> _divergences = [];
    private readonly List<string> _notes = [];
    private long _searchSteps;
    private int _reordered;
    private int _uncertainApplied;

    private bool On(ReplayChecks check) => (checks & check) == check;

    public ReplayReport Run()
    {
        var ops = new List<ReplayStep>();
        int overrides = 0, hits = 0, delivered = 0;
        for (var i = 0; i < entries.Count; i++)
        {
            var entry = entries[i] ?? throw new CoherenceArgumentException(nameof(entries), $"Entry {i} is null.");
            Validate(entry);
            switch (entry.Op)
            {
                case RecordingOperation.CacheHit:
                    hits++;
                    break;
                case RecordingOperation.SignalDelivered:
                    delivered++;
                    break;
                default:
                    if (entry.Op == RecordingOperation.Override)
                    {
                        overrides++;
                    }

                    ops.Add(new ReplayStep(i + 1, entry, null));
                    break;
            }
        }

        RecordingInvariants.Check(entries, checks, _divergences);
        var partitions = Partition(ops);
        foreach (var partition in partitions)
        {
            new PartitionSearch(this, partition).Run();
        }

        var sorted = _divergences
            .OrderBy(d => d.Step)
            .ThenBy(d => d.Check is "Outcome" or "Order" ? 1 : 0)
            .ToList();
        return new ReplayReport
        {
            Divergences = sorted,
            Entries = entries.Count,
            StoreOperations = ops.Count,
            Partitions = partitions.Count,
            SearchSteps = _searchSteps,
            Reordered = _reordered,
            UncertainApplied = _uncertainApplied,
            Overrides = overrides,
            CacheHits = hits,
            SignalsDelivered = delivered,
            Notes = _notes.Distinct().ToList(),
        };
    }

    private static void Validate(RecordingEntry entry)
    {
        string? missing = entry.Op switch
        {
            RecordingOperation.Sweep => null,
            _ when entry.Agent is null => "an agent",
            RecordingOperation.Register or RecordingOperation.Heartbeat or RecordingOperation.Forget => null,
            RecordingOperation.CommitAll => entry.Members is { Count: > 0 } ? null : "its members",
            _ when entry.Key is null => "a key",
            RecordingOperation.CommitCas or RecordingOperation.DeleteCas when entry.Expected is null && entry.Outcome != RecordingOutcome.Unavailable => "an expected version",
            _ => null,
        };
        if (missing is not null)
        {
            throw new RecordingFormatException(entry.File ?? "recording", entry.Line, $"a {Name(entry.Op)} line needs {missing}.");
        }

        try
        {
            if (entry.Agent is not null && entry.Op != RecordingOperation.Sweep)
            {
                _ = new AgentId(entry.Agent);
            }

            foreach (var key in KeysOf(entry))
            {
                _ = ArtifactKey.FromStoreKey(key);
            }
        }
        catch (CoherenceArgumentException ex)
        {
            throw new RecordingFormatException(entry.File ?? "recording", entry.Line, ex.Message, ex);
        }
    }

    internal static string Name(RecordingOperation op) => op.ToString() is var s ? char.ToLowerInvariant(s[0]) + s[1..] : "";

    private static IEnumerable<string> KeysOf(RecordingEntry entry) => entry.Op switch
    {
        RecordingOperation.CommitAll => entry.Members!.Select(m => m.Key),
        RecordingOperation.Sweep => (entry.Signals ?? []).Select(s => s.Key),
        _ when entry.Key is { } key => [key],
        _ => [],
    };

    private static bool IsGlobal(RecordingOperation op) =>
        op is RecordingOperation.Register or RecordingOperation.Heartbeat or RecordingOperation.Forget or RecordingOperation.Sweep;

    /// <summary>One list of steps per artifact; agent-wide operations go into every list; a batch is split into its members.</summary>
    private static List<List<ReplayStep>> Partition(List<ReplayStep> ops)
    {
        var keys = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var op in ops)
        {
            if (!IsGlobal(op.Entry.Op))
            {
                foreach (var key in KeysOf(op.Entry))
                {
                    keys.Add(key);
                }
            }
        }

        var result = new List<List<ReplayStep>>();
        if (keys.Count == 0)
        {
            result.Add([.. ops]);
            return result;
        }

        foreach (var key in keys)
        {
            var list = new List<ReplayStep>();
            foreach (var op in ops)
            {
                if (IsGlobal(op.Entry.Op))
                {
                    list.Add(op with { PartitionKey = key });
                }
                else if (op.Entry.Op == RecordingOperation.CommitAll)
                {
                    if (op.Entry.Members!.FirstOrDefault(m => m.Key == key) is { } member)
                    {
                        list.Add(op with { Member = member, PartitionKey = key });
                    }
                }
                else if (op.Entry.Key == key)
                {
                    list.Add(op with { PartitionKey = key });
                }
            }

            result.Add(list);
        }

        return result;
    }

    private sealed class PartitionSearch(ReplayEngine engine, List<ReplayStep> steps)
    {
        private readonly bool[] _done = new bool[steps.Count];
        private readonly List<Frame> _frames = [];
        private readonly List<Move> _path = [];
        private DirectoryState _state = new();
        private int _deepest = -1;
        private int _first;
        private (Move Move, Mismatch Why, Move[] Path, Move[] Candidates)? _failure;

        public void Run()
        {
            if (steps.Count == 0)
            {
                return;
            }

            var budgetLeft = true;
            while (true)
            {
                if (_path.Count == steps.Count)
                {
                    Succeeded();
                    return;
                }

                var candidates = Candidates();
                _frames.Add(new Frame(candidates, candidates.Count > 1 ? _state.Clone() : null));
                if (!TryNext(ref budgetLeft))
                {
                    Failed(budgetLeft);
                    return;
                }
            }
        }

        private bool TryNext(ref bool budgetLeft)
        {
            while (_frames.Count > 0)
            {
                var frame = _frames[^1];
                while (frame.Next < frame.Candidates.Count)
                {
                    if (engine._searchSteps >= engine._stepBudget)
                    {
                        budgetLeft = false;
                        return false;
                    }

                    var move = frame.Candidates[frame.Next++];
                    if (frame.Next > 1)
                    {
                        _state = frame.Snapshot!.Clone();
                    }

                    engine._searchSteps++;
                    var why = move.Skip ? null : engine.Apply(steps[move.Index], _state);
                    if (why is null)
                    {
                        _done[move.Index] = true;
                        _path.Add(move);
                        return true;
                    }

                    // The deepest point the search reached, and there the first entry (in recorded order) that did not fit.
                    var depth = _path.Count;
                    if (depth > _deepest)
                    {
                        _deepest = depth;
                        _failure = (move, why, [.. _path], [.. frame.Candidates]);
                    }
                }

                _frames.RemoveAt(_frames.Count - 1);
                if (_frames.Count > 0 && _path.Count >= _frames.Count)
                {
                    var undone = _path[^1];
                    _done[undone.Index] = false;
                    _first = Math.Min(_first, undone.Index);
                    _path.RemoveAt(_path.Count - 1);
                }
            }

            return false;
        }

        /// <summary>
        /// What may go next: every pending entry that started no later than the earliest completion among the
        /// pending ones (an entry that completed before another started stays before it). An attempt whose
        /// outcome is unknown or unavailable may have taken effect or not: two moves, apply or skip.
        /// </summary>
        private List<Move> Candidates()
        {
            // Entries are in Started order and Completed >= Started, so only the window from the first pending
            // entry up to the first one that started after the bound can matter: linear in the window, not the recording.
            while (_first < steps.Count && _done[_first])
            {
                _first++;
            }

            var bound = DateTimeOffset.MaxValue;
            var end = _first;
            for (; end < steps.Count && steps[end].Entry.Started <= bound; end++)
            {
                if (!_done[end] && steps[end].Entry.Completed < bound)
                {
                    bound = steps[end].Entry.Completed;
                }
            }

            var moves = new List<Move>();
            for (var i = _first; i < end; i++)
            {
                var entry = steps[i].Entry;
                if (_done[i] || entry.Started > bound)
                {
                    continue;
                }

                switch (entry.Outcome)
                {
                    case RecordingOutcome.Unknown:
                        moves.Add(new Move(i, Skip: false));
                        moves.Add(new Move(i, Skip: true));
                        break;
                    case RecordingOutcome.Unavailable:
                        moves.Add(new Move(i, Skip: true));
                        moves.Add(new Move(i, Skip: false));
                        break;
                    default:
                        moves.Add(new Move(i, Skip: false));
                        break;
                }
            }

            return moves;
        }

        private void Succeeded()
        {
            var last = -1;
            foreach (var move in _path)
            {
                if (move.Index < last)
                {
                    engine._reordered++;
                }

                last = Math.Max(last, move.Index);
                var outcome = steps[move.Index].Entry.Outcome;
                if (!move.Skip && outcome is RecordingOutcome.Unknown or RecordingOutcome.Unavailable)
                {
                    engine._uncertainApplied++;
                }
            }
        }

        private void Failed(bool budgetLeft)
        {
            if (_failure is not { } failure)
            {
                return;
            }

            var context = failure.Path.Where(m => !m.Skip).TakeLast(ContextSize).Select(m => steps[m.Index].Entry).ToList();
            var stuck = failure.Candidates.Select(m => m.Index).Distinct().Select(i => steps[i].Entry).ToList();
            var step = steps[failure.Move.Index];
            if (!budgetLeft)
            {
                engine._divergences.Add(new ReplayDivergence
                {
                    Step = step.Step,
                    Entry = step.Entry,
                    Check = "Order",
                    Message = $"could not find an order within {engine._stepBudget.ToString(CultureInfo.InvariantCulture)} search steps; deepest point: {failure.Why.Message}",
                    Expected = failure.Why.Expected,
                    Recorded = failure.Why.Recorded,
                    Context = context,
                    Stuck = stuck,
                });
                return;
            }

            engine._divergences.Add(new ReplayDivergence
            {
                Step = step.Step,
                Entry = step.Entry,
                Check = failure.Why.Check,
                Message = failure.Why.Message,
                Expected = failure.Why.Expected,
                Recorded = failure.Why.Recorded,
                Context = context,
                Stuck = stuck.Count > 1 ? stuck : [],
            });
        }
    }

    private sealed class Frame(List<Move> candidates, DirectoryState? snapshot)
    {
        public List<Move> Candidates { get; } = candidates;

        public DirectoryState? Snapshot { get; } = snapshot;

        public int Next { get; set; }
    }

    private readonly record struct Move(int Index, bool Skip);

    /// <summary>Applies one step to the state; null when the rules' outcome is the recorded one and the invariants hold.</summary>
    private Mismatch? Apply(ReplayStep step, DirectoryState state)
    {
        var key = step.PartitionKey is { } k ? ArtifactKey.FromStoreKey(k) : null;
        var before = key is not null && state.Records.TryGetValue(key, out var r) ? r.Version : 0;
        var why = ReplayApply.Apply(step, key, state, Rules, On(ReplayChecks.Outcomes), _notes);
        if (why is not null || !On(ReplayChecks.StateInvariants))
        {
            return why;
        }

        foreach (var record in state.Records.Values)
        {
            if (InvariantChecker.CheckRecord(record) is { } violation)
            {
                return new Mismatch(violation.Split(' ')[0], violation, "the invariant holds", "it does not after this step");
            }
        }

        if (key is not null && state.Records.TryGetValue(key, out var after) && InvariantChecker.CheckVersionStep(key, before, after.Version) is { } back)
        {
            return new Mismatch("MonotonicVersion", back, null, null);
        }

        return null;
    }
}
