namespace AgentCoherence.Protocol;

/// <summary>
/// The writes each agent had applied, newest last, at most <see cref="KeptPerAgent"/> per agent: the
/// store's half of exactly-once writes. <see cref="CoherenceRules"/> looks an operation up before it
/// checks anything and records it in the same atomic step as the write it applied.
/// </summary>
public sealed class OperationLog
{
    /// <summary>How many applied operations a store keeps per agent. A client retries only its latest few.</summary>
    public const int KeptPerAgent = 64;

    private readonly Dictionary<AgentId, List<RecordedOperation>> _byAgent = new();
    private readonly List<(AgentId Agent, RecordedOperation Operation)> _added = [];

    /// <summary>
    /// When true, <see cref="Record"/> also lists what it records for <see cref="TakeAdded"/>: for a store
    /// that loads part of its state per operation and must persist what the step added.
    /// </summary>
    public bool TrackAdded { get; set; }

    /// <summary>The agents with recorded operations and their operations, oldest first.</summary>
    public IEnumerable<KeyValuePair<AgentId, List<RecordedOperation>>> Agents => _byAgent;

    /// <summary>The recorded outcome of an operation the agent had applied, or null.</summary>
    public RecordedOperation? Find(AgentId agent, OperationId id)
    {
        if (id.IsNone || !_byAgent.TryGetValue(agent, out var list))
        {
            return null;
        }

        for (var i = list.Count - 1; i >= 0; i--)
        {
            if (list[i].Id == id)
            {
                return list[i];
            }
        }

        return null;
    }

    /// <summary>Records an applied operation, dropping the agent's oldest beyond <see cref="KeptPerAgent"/>.</summary>
    public void Record(AgentId agent, RecordedOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (operation.Id.IsNone)
        {
            return;
        }

        Load(agent, operation);
        if (TrackAdded)
        {
            _added.Add((agent, operation));
        }
    }

    /// <summary>Adds an operation a store loaded from its persistence (not reported by <see cref="TakeAdded"/>).</summary>
    public void Load(AgentId agent, RecordedOperation operation)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (!_byAgent.TryGetValue(agent, out var list))
        {
            list = [];
            _byAgent[agent] = list;
        }

        list.Add(operation);
        if (list.Count > KeptPerAgent)
        {
            list.RemoveAt(0);
        }
    }

    /// <summary>Drops everything recorded for the agent.</summary>
    public void Forget(AgentId agent) => _byAgent.Remove(agent);

    /// <summary>The operations recorded since the last call (what a persisting store must write), and clears that list.</summary>
    public IReadOnlyList<(AgentId Agent, RecordedOperation Operation)> TakeAdded()
    {
        if (_added.Count == 0)
        {
            return [];
        }

        var added = _added.ToArray();
        _added.Clear();
        return added;
    }

    /// <summary>The agent's recorded operations as they are now, for <see cref="Restore"/> (a step being undone).</summary>
    internal RecordedOperation[]? Snapshot(AgentId agent) => _byAgent.TryGetValue(agent, out var list) ? [.. list] : null;

    /// <summary>Puts back what <see cref="Snapshot"/> returned: the agent's operations as they were before an undone step.</summary>
    internal void Restore(AgentId agent, RecordedOperation[]? snapshot)
    {
        if (snapshot is null)
        {
            _byAgent.Remove(agent);
        }
        else
        {
            _byAgent[agent] = [.. snapshot];
        }

        _added.RemoveAll(a => a.Agent == agent && snapshot?.Contains(a.Operation) != true);
    }

    /// <summary>A deep copy (recorded operations are immutable and shared).</summary>
    public OperationLog Clone()
    {
        var copy = new OperationLog();
        foreach (var (agent, list) in _byAgent)
        {
            copy._byAgent[agent] = [.. list];
        }

        return copy;
    }
}
