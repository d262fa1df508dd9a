using System.Globalization;
using StackExchange.Redis;

namespace AgentCoherence.Redis;

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

    /// <summary>{ refusal|nil, version, signals? } of Acquire, Commit, CommitCas and Delete.</summary>
    public static WriteResult Write(RedisResult[] reply, ArtifactKey key, AgentId agent, SignalKind kind)
    {
        var refusal = Refusal(reply[0], key, agent);
        var version = Long(reply[1]);
        if (refusal is not null || reply.Length < 3)
        {
            return new WriteResult(refusal, version, []);
        }

        var peers = (RedisResult[])reply[2]!;
        if (peers.Length == 0)
        {
            return new WriteResult(null, version, []);
        }

        var signals = new InvalidationSignal[peers.Length];
        for (var i = 0; i < peers.Length; i++)
        {
            signals[i] = new InvalidationSignal(key, version, agent, kind, Agent(peers[i])!.Value);
        }

        // The scripts list peers in hash order (sorting in Lua costs more than the rest of a commit);
        // the rules' order is ordinal by agent id.
        if (signals.Length > 1)
        {
            Array.Sort(signals, RecipientOrder);
        }

        return new WriteResult(null, version, signals);
    }

    /// <summary>Sorts each run of signals for one artifact by recipient (ordinal), leaving the runs in place.</summary>
    public static void SortByRecipientWithinRuns(InvalidationSignal[] signals)
    {
        var start = 0;
        for (var i = 1; i <= signals.Length; i++)
        {
            if (i == signals.Length || signals[i].Key != signals[start].Key)
            {
                Array.Sort(signals, start, i - start, RecipientOrder);
                start = i;
            }
        }
    }

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
