namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>
/// Field-by-field equality of two model states, every field included (content, hashes, writers,
/// absolute times, reclaim records). Used to prove a refused step changed nothing at all, which is
/// stronger than comparing canonical keys.
/// </summary>
internal static class ExactStateComparer
{
    public static bool Equal(ModelState left, ModelState right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        var leftRecords = left.Directory.Records;
        var rightRecords = right.Directory.Records;
        var leftBeats = left.Directory.Heartbeats;
        var rightBeats = right.Directory.Heartbeats;
        if (left.Now != right.Now || leftRecords.Count != rightRecords.Count || leftBeats.Count != rightBeats.Count)
        {
            return false;
        }

        foreach (var (agent, beat) in leftBeats)
        {
            if (!rightBeats.TryGetValue(agent, out var other) || other != beat)
            {
                return false;
            }
        }

        foreach (var (key, record) in leftRecords)
        {
            if (!rightRecords.TryGetValue(key, out var other) || !Equal(record, other))
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

        foreach (var (agent, entry) in left.Holders)
        {
            if (!right.Holders.TryGetValue(agent, out var other)
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
