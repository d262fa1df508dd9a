using System.Globalization;
using StackExchange.Redis;
using AgentCoherence.Protocol;

namespace AgentCoherence.Redis.Internal;

/// <summary>Turns the scripts' replies back into the core's result types. Absent values arrive as empty strings.</summary>
internal static class Replies
{
    // The rules' order of peers: by agent id, ordinal.
    private static readonly Comparer<InvalidationSignal> RecipientOrder =
        Comparer<InvalidationSignal>.Create(static (x, y) => string.CompareOrdinal(x.Recipient.Value, y.Recipient.Value));

    public static long Long(RedisResult result) => long.Parse((string)result!, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    public static string? Text(RedisResult result) => result.IsNull ? null : (string?)result is { Length: > 0 } text ? text : null;

    public static long? OptionalLong(RedisResult result) => Text(result) is { } text ? long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : null;

    public static DateTimeOffset? Time(RedisResult result) => Text(result) is { } text ? FromTicks(text) : null;

    public static AgentId? Agent(RedisResult result) => Text(result) is { } text ? new AgentId(text) : (AgentId?)null;

    public static DateTimeOffset FromTicks(string ticks) => new(long.Parse(ticks, NumberStyles.None, CultureInfo.InvariantCulture), TimeSpan.Zero);

    /// <summary>{ code, current, caller, holder, since, readEpoch, ownerEpoch, trigger, reclaimAt, reclaimEpoch, tombstone }, or nil for none.</summary>
    public static Refusal? Refusal(RedisResult result, ArtifactKey key, AgentId agent)
    {
        if (result.IsNull)
        {
            return null;
        }

        var f = (RedisResult[])result!;
        var reason = (RefusalReason)(int)(long)f[0];
        return new Refusal(reason, key, Long(f[1]))
        {
            Agent = agent,
            CallerVersion = OptionalLong(f[2]),
            Holder = Agent(f[3]),
            HolderSince = Time(f[4]),
            ReadEpoch = OptionalLong(f[5]),
            OwnerEpoch = Long(f[6]),
            Reclaim = Reclaim(f[7], f[8], f[9]),
            IsTombstone = (string?)f[10] == "1",
        };
    }

    /// <summary>
    /// The reply of acquire, commit and commit_cas: <c>{ refusal, version }</c> when refused, else the
    /// recorded text of the success (<see cref="Recorded"/>), the same for the write and for a retry of it.
    /// </summary>
    public static WriteResult Write(RedisResult reply, ArtifactKey key, AgentId agent)
    {
        if (reply.Resp2Type != ResultType.Array)
        {
            var (versions, signals) = Recorded((string)reply!, agent, key, null);
            return new WriteResult(null, versions.Length > 0 ? versions[0] : 0, signals);
        }

        var fields = (RedisResult[])reply!;
        return new WriteResult(Refusal(fields[0], key, agent), Long(fields[1]), []);
    }

    /// <summary>
    /// The reply of commit_all: <c>{ refusals, versions }</c> when a member was refused, else the recorded
    /// text (<see cref="Recorded"/>), replayed as <see cref="CoherenceRules.CommitAll"/> does: no refusals,
    /// the recorded versions and signals.
    /// </summary>
    public static CommitAllResult CommitAll(RedisResult reply, IReadOnlyList<BatchMember> members, AgentId agent)
    {
        var refusals = new Refusal?[members.Count];
        if (reply.Resp2Type != ResultType.Array)
        {
            var (recorded, signals) = Recorded((string)reply!, agent, null, members);
            return new CommitAllResult(refusals, recorded, signals);
        }

        var fields = (RedisResult[])reply!;
        var refusalReplies = (RedisResult[])fields[0]!;
        var versionReplies = (RedisResult[])fields[1]!;
        var versions = new long[members.Count];
        for (var i = 0; i < members.Count; i++)
        {
            refusals[i] = Refusal(refusalReplies[i], members[i].Key, agent);
            versions[i] = Long(versionReplies[i]);
        }

        return new CommitAllResult(refusals, versions, []);
    }

    /// <summary>
    /// A success as the write scripts return and record it (<c>op_record</c> in <c>_lib.lua</c>):
    /// <c>seq</c>, then the versions comma-separated, then per artifact whose peers were signalled
    /// <c>storeKey TAB kind TAB version TAB ownerEpoch TAB peer...</c>, lines separated by LF. The signals'
    /// issuer is the agent (an agent's log holds only its own writes); each artifact's peers are put in
    /// the rules' order (ordinal), which the scripts leave to C#.
    /// </summary>
    public static (long[] Versions, InvalidationSignal[] Signals) Recorded(string text, AgentId agent, ArtifactKey? key, IReadOnlyList<BatchMember>? members)
    {
        var lines = text.Split('\n');
        var versions = lines[1].Length == 0 ? [] : Array.ConvertAll(lines[1].Split(','), ParseLong);
        if (lines.Length == 2)
        {
            return (versions, []);
        }

        var signals = new List<InvalidationSignal>();
        for (var i = 2; i < lines.Length; i++)
        {
            var fields = lines[i].Split('\t');
            var artifact = KeyOf(fields[0], key, members);
            var kind = fields[1] == "d" ? SignalKind.Delete : SignalKind.Commit;
            var version = ParseLong(fields[2]);
            var epoch = ParseLong(fields[3]);
            var first = signals.Count;
            for (var j = 4; j < fields.Length; j++)
            {
                signals.Add(new InvalidationSignal(artifact, version, agent, kind, new AgentId(fields[j]), epoch));
            }

            if (signals.Count - first > 1)
            {
                signals.Sort(first, signals.Count - first, RecipientOrder);
            }
        }

        return (versions, [.. signals]);
    }

    // The caller's own key object when the store key is one it passed (the usual case), else decoded.
    private static ArtifactKey KeyOf(string storeKey, ArtifactKey? key, IReadOnlyList<BatchMember>? members)
    {
        if (key is not null && key.StoreKey == storeKey)
        {
            return key;
        }

        if (members is not null)
        {
            foreach (var member in members)
            {
                if (member.Key.StoreKey == storeKey)
                {
                    return member.Key;
                }
            }
        }

        return ArtifactKey.FromStoreKey(storeKey);
    }

    private static long ParseLong(string text) => long.Parse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    /// <summary>{ record hash fields, holders hash fields } from inspect.lua.</summary>
    public static DirectoryRecord Record(ArtifactKey key, RedisResult[] reply)
    {
        var fields = (RedisResult[])reply[0]!;
        var record = new DirectoryRecord(key);
        for (var i = 0; i + 1 < fields.Length; i += 2)
        {
            var value = fields[i + 1];
            switch ((string?)fields[i])
            {
                case "v": record.Version = Long(value); break;
                case "t": record.IsTombstone = (string?)value == "1"; break;
                case "e": record.OwnerEpoch = Long(value); break;
                case "c": record.Content = (byte[]?)value ?? []; break;
                case "h": record.ContentHash = Text(value); break;
                case "s": record.SizeTokens = (int)Long(value); break;
                case "w": record.LastWriter = Agent(value); break;
                case "at": record.CommittedAt = Time(value); break;
            }
        }

        var holders = (RedisResult[])reply[1]!;
        for (var i = 0; i + 1 < holders.Length; i += 2)
        {
            record.Holders[new AgentId((string)holders[i]!)] = Entry((string)holders[i + 1]!);
        }

        return record;
    }

    // 'state|view|readEpoch|grantedAt|reclaimTrigger|reclaimAt|reclaimEpoch' (see _lib.lua).
    private static HolderEntry Entry(string encoded)
    {
        var f = encoded.Split('|');
        return new HolderEntry
        {
            State = f[0] switch
            {
                "M" => HolderState.Modified,
                "E" => HolderState.Exclusive,
                "S" => HolderState.Shared,
                _ => HolderState.Invalid,
            },
            ViewVersion = long.Parse(f[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
            ReadEpoch = f[2].Length == 0 ? null : long.Parse(f[2], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture),
            GrantedAt = f[3].Length == 0 ? null : FromTicks(f[3]),
            LastReclaim = Reclaim(f[4], f[5], f[6]),
        };
    }

    private static ReclaimInfo? Reclaim(RedisResult trigger, RedisResult at, RedisResult epoch) =>
        Reclaim((string?)trigger ?? string.Empty, (string?)at ?? string.Empty, (string?)epoch ?? string.Empty);

    private static ReclaimInfo? Reclaim(string trigger, string at, string epoch) => trigger.Length == 0
        ? null
        : new ReclaimInfo(
            trigger == "heartbeat" ? ReclaimTrigger.Heartbeat : ReclaimTrigger.MaxHold,
            FromTicks(at),
            long.Parse(epoch, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
}
