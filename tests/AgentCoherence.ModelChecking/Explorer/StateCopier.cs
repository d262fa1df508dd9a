using AgentCoherence.Protocol;

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
        if (!TryCopySideBySide(source, target))
        {
            CopyIntoByKey(source, target);
        }
    }

    /// <summary>
    /// The common case: a step changed values but no dictionary's keys, so both states list the same
    /// keys in the same order and every value is copied without a lookup. False when the keys differ.
    /// </summary>
    private static bool TryCopySideBySide(DirectoryState source, DirectoryState target)
    {
        if (source.Heartbeats.Count != target.Heartbeats.Count || source.Records.Count != target.Records.Count)
        {
            return false;
        }

        if (!SameKeyOrder(source.Heartbeats, target.Heartbeats))
        {
            return false;
        }

        var records = target.Records.GetEnumerator();
        foreach (var (key, record) in source.Records)
        {
            if (!records.MoveNext() || !ReferenceEquals(records.Current.Key, key) || !SameHolders(record, records.Current.Value))
            {
                return false;
            }
        }

        foreach (var (agent, at) in source.Heartbeats)
        {
            target.Heartbeats[agent] = at;
        }

        records = target.Records.GetEnumerator();
        foreach (var (_, record) in source.Records)
        {
            records.MoveNext();
            var copy = records.Current.Value;
            CopyScalars(record, copy);
            var entries = copy.Holders.GetEnumerator();
            foreach (var (_, entry) in record.Holders)
            {
                entries.MoveNext();
                CopyInto(entry, entries.Current.Value);
            }
        }

        return true;
    }

    private static bool SameHolders(DirectoryRecord source, DirectoryRecord target) =>
        source.Holders.Count == target.Holders.Count && SameKeyOrder(source.Holders, target.Holders);

    // Both dictionaries (of equal count) enumerate the same keys in the same order.
    private static bool SameKeyOrder<TKey, TSource, TTarget>(Dictionary<TKey, TSource> source, Dictionary<TKey, TTarget> target)
        where TKey : notnull
    {
        var keys = target.Keys.GetEnumerator();
        foreach (var key in source.Keys)
        {
            if (!keys.MoveNext() || !keys.Current.Equals(key))
            {
                return false;
            }
        }

        return true;
    }

    // Removes from target every key source lacks; scratch is a reusable list.
    private static void RemoveKeysMissingFrom<TKey, TSource, TTarget>(Dictionary<TKey, TTarget> target, Dictionary<TKey, TSource> source, List<TKey> scratch)
        where TKey : notnull
    {
        scratch.Clear();
        foreach (var key in target.Keys)
        {
            if (!source.ContainsKey(key))
            {
                scratch.Add(key);
            }
        }

        foreach (var key in scratch)
        {
            target.Remove(key);
        }
    }

    private void CopyIntoByKey(DirectoryState source, DirectoryState target)
    {
        RemoveKeysMissingFrom(target.Heartbeats, source.Heartbeats, _staleAgents);

        foreach (var (agent, at) in source.Heartbeats)
        {
            target.Heartbeats[agent] = at;
        }

        RemoveKeysMissingFrom(target.Records, source.Records, _staleRecords);

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

    private static void CopyScalars(DirectoryRecord source, DirectoryRecord target)
    {
        target.Version = source.Version;
        target.IsTombstone = source.IsTombstone;
        target.ContentHash = source.ContentHash;
        target.SizeTokens = source.SizeTokens;
        target.Content = source.Content;
        target.LastWriter = source.LastWriter;
        target.CommittedAt = source.CommittedAt;
        target.OwnerEpoch = source.OwnerEpoch;
    }

    private void CopyInto(DirectoryRecord source, DirectoryRecord target)
    {
        CopyScalars(source, target);
        RemoveKeysMissingFrom(target.Holders, source.Holders, _staleAgents);

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
        var copy = new DirectoryRecord(source.Key);
        CopyScalars(source, copy);
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
