namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>
/// Deep copies of a <see cref="DirectoryState"/>, equal field by field to
/// <see cref="DirectoryState.Clone"/> (a test holds the two together), and the same copy made in place
/// over an existing state. The explorer runs every step on a working copy and, when the step lands on
/// a state it already knows, puts the copy back instead of allocating a new one.
/// </summary>
internal sealed class StateCopier
{
    private readonly List<ArtifactKey> _staleRecords = [];
    private readonly List<AgentId> _staleAgents = [];

    public static DirectoryState Copy(DirectoryState source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var copy = new DirectoryState();
        copy.Heartbeats.EnsureCapacity(source.Heartbeats.Count);
        foreach (var (agent, at) in source.Heartbeats)
        {
            copy.Heartbeats.Add(agent, at);
        }

        copy.Records.EnsureCapacity(source.Records.Count);
        foreach (var (key, record) in source.Records)
        {
            copy.Records.Add(key, Copy(record));
        }

        return copy;
    }

    /// <summary>Makes <paramref name="target"/> equal to <paramref name="source"/>, field by field, reusing its objects.</summary>
    public void CopyInto(DirectoryState source, DirectoryState target)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(target);
        _staleAgents.Clear();
        foreach (var agent in target.Heartbeats.Keys)
        {
            if (!source.Heartbeats.ContainsKey(agent))
            {
                _staleAgents.Add(agent);
            }
        }

        foreach (var agent in _staleAgents)
        {
            target.Heartbeats.Remove(agent);
        }

        foreach (var (agent, at) in source.Heartbeats)
        {
            target.Heartbeats[agent] = at;
        }

        _staleRecords.Clear();
        foreach (var key in target.Records.Keys)
        {
            if (!source.Records.ContainsKey(key))
            {
                _staleRecords.Add(key);
            }
        }

        foreach (var key in _staleRecords)
        {
            target.Records.Remove(key);
        }

        foreach (var (key, record) in source.Records)
        {
            if (target.Records.TryGetValue(key, out var existing))
            {
                CopyInto(record, existing);
            }
            else
            {
                target.Records.Add(key, Copy(record));
            }
        }
    }

    private void CopyInto(DirectoryRecord source, DirectoryRecord target)
    {
        target.Version = source.Version;
        target.IsTombstone = source.IsTombstone;
        target.ContentHash = source.ContentHash;
        target.SizeTokens = source.SizeTokens;
        target.Content = source.Content;
        target.LastWriter = source.LastWriter;
        target.CommittedAt = source.CommittedAt;
        target.OwnerEpoch = source.OwnerEpoch;

        _staleAgents.Clear();
        foreach (var agent in target.Holders.Keys)
        {
            if (!source.Holders.ContainsKey(agent))
            {
                _staleAgents.Add(agent);
            }
        }

        foreach (var agent in _staleAgents)
        {
            target.Holders.Remove(agent);
        }

        foreach (var (agent, entry) in source.Holders)
        {
            if (target.Holders.TryGetValue(agent, out var existing))
            {
                CopyInto(entry, existing);
            }
            else
            {
                target.Holders.Add(agent, Copy(entry));
            }
        }
    }

    private static DirectoryRecord Copy(DirectoryRecord source)
    {
        var copy = new DirectoryRecord(source.Key)
        {
            Version = source.Version,
            IsTombstone = source.IsTombstone,
            ContentHash = source.ContentHash,
            SizeTokens = source.SizeTokens,
            Content = source.Content,
            LastWriter = source.LastWriter,
            CommittedAt = source.CommittedAt,
            OwnerEpoch = source.OwnerEpoch,
        };
        copy.Holders.EnsureCapacity(source.Holders.Count);
        foreach (var (agent, entry) in source.Holders)
        {
            copy.Holders.Add(agent, Copy(entry));
        }

        return copy;
    }

    private static HolderEntry Copy(HolderEntry source) => new()
    {
        State = source.State,
        ViewVersion = source.ViewVersion,
        ReadEpoch = source.ReadEpoch,
        GrantedAt = source.GrantedAt,
        LastReclaim = source.LastReclaim,
    };

    private static void CopyInto(HolderEntry source, HolderEntry target)
    {
        target.State = source.State;
        target.ViewVersion = source.ViewVersion;
        target.ReadEpoch = source.ReadEpoch;
        target.GrantedAt = source.GrantedAt;
        target.LastReclaim = source.LastReclaim;
    }
}
