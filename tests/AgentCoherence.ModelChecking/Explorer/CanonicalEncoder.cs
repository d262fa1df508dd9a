using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>
/// The compact key under which the explorer deduplicates states. It keeps exactly what decides the
/// protocol's future behaviour (and the checked invariants) and drops the rest:
/// <list type="bullet">
/// <item>per artifact, in key order: record absent, or Version, tombstone flag, and OwnerEpoch when the
/// bounds cap it;</item>
/// <item>per agent, in a fixed order: for each artifact its entry (absent, or State, ViewVersion,
/// ReadEpoch or none, grant age or none), then its heartbeat age.</item>
/// </list>
/// Abstractions, each exact (states with the same key behave identically under every step and every
/// check, whichever guards the rules run with):
/// <list type="bullet">
/// <item>Times are relative to now and capped at the threshold that reads them (heartbeat age at the
/// heartbeat timeout, grant age at the maximum hold): the sweep only asks "age ≥ threshold", and ages
/// only grow with the clock or reset to 0.</item>
/// <item>ViewVersion is kept as its relation to the record's Version (current, behind), and ReadEpoch as
/// its relation to the OwnerEpoch (none, current, behind): no rule and no invariant reads either value
/// except to compare it with Version or OwnerEpoch, which only grow. So an invalidated agent's view of
/// v1 and of v2 behave alike once the artifact is at v3, and, with read epochs relative, the absolute
/// OwnerEpoch decides nothing: it is left out unless the bounds cap it.</item>
/// <item>Content, hashes, CommittedAt, LastWriter and LastReclaim are left out: no rule reads them to decide.</item>
/// </list>
/// With symmetry collapsing on, the key is the smallest encoding over every renaming of agents and of
/// artifacts (the rules only compare ids and keys for equality, so renamed states behave alike): for each
/// order of the artifacts the agents' blocks are sorted, and the least result is kept.
/// Not thread-safe: one encoder per exploration.
/// </summary>
internal sealed class CanonicalEncoder
{
    private const int RecordWidth = 3;
    private const int EntryWidth = 4;

    private readonly ModelUniverse _universe;
    private readonly int _agentWidth;
    private readonly int _agentsStart;
    private readonly int[] _identity;
    private readonly int[][] _artifactOrders;
    private readonly char[] _records;
    private readonly char[] _entries;
    private readonly char[] _heartbeats;
    private readonly char[] _buffer;
    private readonly char[] _candidate;
    private readonly char[] _best;
    private readonly int[] _agentOrder;

    public CanonicalEncoder(ModelUniverse universe)
    {
        _universe = universe ?? throw new ArgumentNullException(nameof(universe));
        var artifacts = universe.Artifacts.Count;
        var agents = universe.Agents.Count;
        _agentWidth = (EntryWidth * artifacts) + 1;
        _agentsStart = RecordWidth * artifacts;
        _identity = Enumerable.Range(0, artifacts).ToArray();
        _artifactOrders = Permutations(artifacts).ToArray();
        _records = new char[RecordWidth * artifacts];
        _entries = new char[EntryWidth * artifacts * agents];
        _heartbeats = new char[agents];
        var length = _agentsStart + (_agentWidth * agents);
        _buffer = new char[length];
        _candidate = new char[length];
        _best = new char[length];
        _agentOrder = new int[agents];
    }

    public string Encode(ModelState state, bool collapseSymmetry)
    {
        ArgumentNullException.ThrowIfNull(state);
        Collect(state);
        if (!collapseSymmetry)
        {
            Assemble(_identity);
            return new string(_buffer);
        }

        for (var i = 0; i < _artifactOrders.Length; i++)
        {
            Assemble(_artifactOrders[i]);
            SortAgentBlocks();
            if (i == 0 || _candidate.AsSpan().SequenceCompareTo(_best) < 0)
            {
                _candidate.AsSpan().CopyTo(_best);
            }
        }

        return new string(_best);
    }

    /// <summary>Encodes every record, entry and heartbeat once, in the universe's order.</summary>
    private void Collect(ModelState state)
    {
        var records = state.Directory.Records;
        var artifacts = _universe.Artifacts.Count;
        for (var artifact = 0; artifact < artifacts; artifact++)
        {
            var pos = artifact * RecordWidth;
            if (!records.TryGetValue(_universe.Artifacts[artifact], out var record))
            {
                _records[pos] = _records[pos + 1] = _records[pos + 2] = '-';
                for (var agent = 0; agent < _universe.Agents.Count; agent++)
                {
                    _entries.AsSpan(((agent * artifacts) + artifact) * EntryWidth, EntryWidth).Fill('-');
                }

                continue;
            }

            _records[pos] = Digit(record.Version);
            _records[pos + 1] = record.IsTombstone ? 'T' : 'L';
            _records[pos + 2] = _universe.Bounds.MaxEpoch is null ? '*' : Digit(record.OwnerEpoch);
            for (var agent = 0; agent < _universe.Agents.Count; agent++)
            {
                var at = ((agent * artifacts) + artifact) * EntryWidth;
                if (record.Holders.TryGetValue(_universe.Agents[agent], out var entry))
                {
                    _entries[at] = entry.State.Letter();
                    _entries[at + 1] = Relation(entry.ViewVersion, record.Version);
                    _entries[at + 2] = entry.ReadEpoch is { } epoch ? Relation(epoch, record.OwnerEpoch) : '_';
                    _entries[at + 3] = entry.GrantedAt is { } granted
                        ? Digit(ModelUniverse.CappedAge(state.Now, granted, ExplorerBounds.MaxHoldSteps))
                        : '_';
                }
                else
                {
                    _entries.AsSpan(at, EntryWidth).Fill('-');
                }
            }
        }

        for (var agent = 0; agent < _universe.Agents.Count; agent++)
        {
            _heartbeats[agent] = state.Directory.Heartbeats.TryGetValue(_universe.Agents[agent], out var beat)
                ? Digit(ModelUniverse.CappedAge(state.Now, beat, ExplorerBounds.HeartbeatTimeoutSteps))
                : '-';
        }
    }

    /// <summary>Lays the collected parts out in <see cref="_buffer"/> with the artifacts in the given order.</summary>
    private void Assemble(int[] artifactOrder)
    {
        var artifacts = artifactOrder.Length;
        var pos = 0;
        foreach (var artifact in artifactOrder)
        {
            _records.AsSpan(artifact * RecordWidth, RecordWidth).CopyTo(_buffer.AsSpan(pos));
            pos += RecordWidth;
        }

        for (var agent = 0; agent < _heartbeats.Length; agent++)
        {
            foreach (var artifact in artifactOrder)
            {
                _entries.AsSpan(((agent * artifacts) + artifact) * EntryWidth, EntryWidth).CopyTo(_buffer.AsSpan(pos));
                pos += EntryWidth;
            }

            _buffer[pos++] = _heartbeats[agent];
        }
    }

    /// <summary>Copies <see cref="_buffer"/> to <see cref="_candidate"/> with the agents' blocks in ascending order.</summary>
    private void SortAgentBlocks()
    {
        for (var i = 0; i < _agentOrder.Length; i++)
        {
            _agentOrder[i] = i;
        }

        // Insertion sort: a handful of agents, and no allocation per state.
        for (var i = 1; i < _agentOrder.Length; i++)
        {
            var current = _agentOrder[i];
            var j = i - 1;
            while (j >= 0 && Block(_agentOrder[j]).SequenceCompareTo(Block(current)) > 0)
            {
                _agentOrder[j + 1] = _agentOrder[j];
                j--;
            }

            _agentOrder[j + 1] = current;
        }

        _buffer.AsSpan(0, _agentsStart).CopyTo(_candidate);
        for (var i = 0; i < _agentOrder.Length; i++)
        {
            Block(_agentOrder[i]).CopyTo(_candidate.AsSpan(_agentsStart + (i * _agentWidth)));
        }
    }

    private ReadOnlySpan<char> Block(int agent) => _buffer.AsSpan(_agentsStart + (agent * _agentWidth), _agentWidth);

    private static IEnumerable<int[]> Permutations(int count)
    {
        if (count == 0)
        {
            yield return [];
            yield break;
        }

        foreach (var rest in Permutations(count - 1))
        {
            for (var at = 0; at <= rest.Length; at++)
            {
                var order = new int[count];
                rest.AsSpan(0, at).CopyTo(order);
                order[at] = count - 1;
                rest.AsSpan(at).CopyTo(order.AsSpan(at + 1));
                yield return order;
            }
        }
    }

    private static char Relation(long value, long reference) => value == reference ? '=' : value < reference ? '<' : '>';

    private static char Digit(long value) =>
        value is >= 0 and < 1000 ? (char)('0' + value) : throw new InvalidOperationException($"Value {value} is outside what the model encodes.");
}
