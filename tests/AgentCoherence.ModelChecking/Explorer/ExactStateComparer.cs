using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>
/// Field-by-field equality of two model states, every field included (content, hashes, writers,
/// absolute times, reclaim records). Used to prove a refused step changed nothing at all, which is
/// stronger than comparing canonical keys. Copies keep their source's insertion order, so the
/// dictionaries are walked side by side and looked up only when their orders differ.
/// </summary>
internal static class ExactStateComparer
{
    public static bool Equal(ModelState left, ModelState right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (left.Now != right.Now || !Equal(left.Directory.Heartbeats, right.Directory.Heartbeats))
        {
            return false;
        }

        var leftRecords = left.Directory.Records;
        var rightRecords = right.Directory.Records;
        if (leftRecords.Count != rightRecords.Count)
        {
            return false;
        }

        var sideBySide = rightRecords.GetEnumerator();
        foreach (var (key, record) in leftRecords)
        {
            sideBySide.MoveNext();
            var other = sideBySide.Current.Key.Equals(key) ? sideBySide.Current.Value : rightRecords.GetValueOrDefault(key);
            if (other is null || !Equal(record, other))
            {
                return false;
            }
        }

        return true;
    }

    private static bool Equal(Dictionary<AgentId, DateTimeOffset> left, Dictionary<AgentId, DateTimeOffset> right)
    {
        if (left.Count != right.Count)
        {
            return false;
        }

        var sideBySide = right.GetEnumerator();
        foreach (var (agent, beat) in left)
        {
            sideBySide.MoveNext();
            if (sideBySide.Current.Key.Equals(agent))
            {
                if (sideBySide.Current.Value != beat)
                {
                    return false;
                }
            }
            else if (!right.TryGetValue(agent, out var other) || other != beat)
            {
                return false;
            }
        }

        return true;
    }

    private static bool Equal(DirectoryRecord left, DirectoryRecord right)
    {
        if (left.Version != right.Version
            || left.IsTombstone != right.IsTombstone
            || left.OwnerEpoch != right.OwnerEpoch
            || left.SizeTokens != right.SizeTokens
            || !ReferenceEquals(left.Content, right.Content)
            || !string.Equals(left.ContentHash, right.ContentHash, StringComparison.Ordinal)
            || left.LastWriter != right.LastWriter
            || left.CommittedAt != right.CommittedAt
            || left.Holders.Count != right.Holders.Count)
        {
            return false;
        }

        var sideBySide = right.Holders.GetEnumerator();
        foreach (var (agent, entry) in left.Holders)
        {
            sideBySide.MoveNext();
            var other = sideBySide.Current.Key.Equals(agent) ? sideBySide.Current.Value : right.Holders.GetValueOrDefault(agent);
            if (other is null
                || entry.State != other.State
                || entry.ViewVersion != other.ViewVersion
                || entry.ReadEpoch != other.ReadEpoch
                || entry.GrantedAt != other.GrantedAt
                || !Equals(entry.LastReclaim, other.LastReclaim))
            {
                return false;
            }
        }

        return true;
    }
}
