using AgentCoherence.Recording;

namespace AgentCoherence.Internal;

/// <summary>
/// The invariants checked on the recorded outcomes themselves, without replaying: UniqueVersion,
/// ContiguousVersions, NoStaleApply, NoDoubleApply, and the light checks of client-side events (HitFromView,
/// DeliveredWasSent).
/// </summary>
internal static class RecordingInvariants
{
    private sealed record Landed(int Step, RecordingEntry Entry, string Key, long Version, long? Expected);

    public static void Check(IReadOnlyList<RecordingEntry> entries, ReplayChecks checks, List<ReplayDivergence> found)
    {
        var landed = new List<Landed>();
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (e.Outcome != RecordingOutcome.Ok)
            {
                continue;
            }

            switch (e.Op)
            {
                case RecordingOperation.Commit or RecordingOperation.Delete or RecordingOperation.CommitCas or RecordingOperation.DeleteCas or RecordingOperation.Override
                    when e.Version is { } v:
                    landed.Add(new Landed(i + 1, e, e.Key!, v, e.Expected));
                    break;
                case RecordingOperation.CommitAll:
                    foreach (var m in e.Members!)
                    {
                        if (m.Version is { } mv)
                        {
                            landed.Add(new Landed(i + 1, e, m.Key, mv, m.Expected));
                        }
                    }

                    break;
            }
        }

        if (On(checks, ReplayChecks.NoDoubleApply))
        {
            NoDoubleApply(entries, landed, found);
        }

        if (On(checks, ReplayChecks.UniqueVersion))
        {
            UniqueVersion(entries, landed, found);
        }

        if (On(checks, ReplayChecks.NoStaleApply))
        {
            NoStaleApply(entries, landed, found);
        }

        if (On(checks, ReplayChecks.ContiguousVersions))
        {
            ContiguousVersions(entries, landed, found);
        }

        if (On(checks, ReplayChecks.ClientEvents))
        {
            ClientEvents(entries, found);
        }
    }

    private static bool On(ReplayChecks checks, ReplayChecks check) => (checks & check) == check;

    private static string Who(RecordingEntry e) => e.OperationId is { } id ? $"{e.Agent}'s operation {id}" : $"{e.Agent}'s write";

    private static ReplayDivergence Divergence(IReadOnlyList<RecordingEntry> entries, int step, string check, string message, string? expected, string? recorded) => new()
    {
        Step = step,
        Entry = entries[step - 1],
        Check = check,
        Message = message,
        Expected = expected,
        Recorded = recorded,
        Context = entries.Take(step - 1).TakeLast(4).ToList(),
    };

    /// <summary>Every attempt of one operation that landed reports the same version(s): a second, different landing applied it twice.</summary>
    private static void NoDoubleApply(IReadOnlyList<RecordingEntry> entries, List<Landed> landed, List<ReplayDivergence> found)
    {
        var first = new Dictionary<(string?, string, string), Landed>();
        foreach (var l in landed)
        {
            if (l.Entry.OperationId is not { } id)
            {
                continue;
            }

            if (first.TryGetValue((l.Entry.Agent, id, l.Key), out var earlier))
            {
                if (earlier.Version != l.Version)
                {
                    found.Add(Divergence(entries, l.Step, "NoDoubleApply", $"{Who(l.Entry)} landed twice on '{l.Key}': v{earlier.Version} ({earlier.Entry.Source}) and v{l.Version}", $"a retry gets v{earlier.Version} back", $"v{l.Version}"));
                }
            }
            else
            {
                first[(l.Entry.Agent, id, l.Key)] = l;
            }
        }
    }

    /// <summary>No two different writes produce the same version of a key (a lost update).</summary>
    private static void UniqueVersion(IReadOnlyList<RecordingEntry> entries, List<Landed> landed, List<ReplayDivergence> found)
    {
        var byVersion = new Dictionary<(string, long), Landed>();
        foreach (var l in landed)
        {
            if (byVersion.TryGetValue((l.Key, l.Version), out var earlier))
            {
                var same = earlier.Entry.OperationId is { } id && id == l.Entry.OperationId && earlier.Entry.Agent == l.Entry.Agent;
                if (!same)
                {
                    found.Add(Divergence(entries, l.Step, "UniqueVersion", $"{Who(l.Entry)} and {Who(earlier.Entry)} ({earlier.Entry.Source}) both produced v{l.Version} of '{l.Key}': one of them was lost", "one write per version", $"v{l.Version} produced twice"));
                }
            }
            else
            {
                byVersion[(l.Key, l.Version)] = l;
            }
        }
    }

    /// <summary>
    /// No write lands from a stale view: a landed CAS produces exactly its expected version + 1; a landed grant commit
    /// based on a known view produces that view + 1, and none lands after a sweep reclaimed the agent's grant
    /// (before the agent acquired again). Observe mode's Override entries are deliberate stale applies: not reported.
    /// </summary>
    private static void NoStaleApply(IReadOnlyList<RecordingEntry> entries, List<Landed> landed, List<ReplayDivergence> found)
    {
        foreach (var l in landed)
        {
            if (l.Entry.Op == RecordingOperation.Override)
            {
                continue;
            }

            if (l.Expected is { } expected && l.Version != expected + 1)
            {
                found.Add(Divergence(entries, l.Step, "NoStaleApply", $"{Who(l.Entry)} landed on '{l.Key}' from v{expected} but produced v{l.Version}: v{l.Version - 1} was current, so it applied over a version it never saw", $"v{expected + 1} or a VersionConflict refusal", $"ok at v{l.Version}"));
            }
            else if (l.Expected is null && l.Entry.View is { } view && l.Version != view + 1)
            {
                found.Add(Divergence(entries, l.Step, "NoStaleApply", $"{Who(l.Entry)} committed to '{l.Key}' from its view v{view} but produced v{l.Version}", $"v{view + 1} or a refusal", $"ok at v{l.Version}"));
            }
        }

        // A grant commit after a reclaim of that grant that completed before it started, with no new Acquire in between.
        var lastAcquire = new Dictionary<(string, string), RecordingEntry>();
        var reclaimedAt = new Dictionary<(string, string), RecordingEntry>();
        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (e.Outcome != RecordingOutcome.Ok)
            {
                continue;
            }

            switch (e.Op)
            {
                case RecordingOperation.Acquire:
                    lastAcquire[(e.Agent!, e.Key!)] = e;
                    break;
                case RecordingOperation.Sweep:
                    foreach (var s in e.Signals ?? [])
                    {
                        if (s.Kind == SignalKind.Reclaim)
                        {
                            reclaimedAt[(s.Recipient, s.Key)] = e;
                        }
                    }

                    break;
                case RecordingOperation.Commit or RecordingOperation.Delete:
                    if (reclaimedAt.TryGetValue((e.Agent!, e.Key!), out var sweep) && sweep.Completed < e.Started
                        && (!lastAcquire.TryGetValue((e.Agent!, e.Key!), out var acquire) || acquire.Completed < sweep.Started))
                    {
                        found.Add(Divergence(entries, i + 1, "NoStaleApply", $"{Who(e)} committed to '{e.Key}' under a grant the sweep had reclaimed ({sweep.Source}) without acquiring again: a zombie write past the fence", "a StaleEpoch refusal", Describe(e)));
                    }

                    break;
            }
        }
    }

    /// <summary>
    /// A key's landed versions run 1, 2, 3… without a gap, except gaps that attempts with an unknown outcome
    /// (never confirmed by a retry) may account for.
    /// </summary>
    private static void ContiguousVersions(IReadOnlyList<RecordingEntry> entries, List<Landed> landed, List<ReplayDivergence> found)
    {
        var confirmed = landed.Where(l => l.Entry.OperationId is not null).Select(l => (l.Entry.Agent, l.Entry.OperationId)).ToHashSet();
        var uncertain = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var e in entries)
        {
            if (e.Outcome is RecordingOutcome.Unknown or RecordingOutcome.Unavailable && (e.OperationId is null || !confirmed.Contains((e.Agent, e.OperationId))))
            {
                foreach (var key in e.Op switch
                {
                    RecordingOperation.Commit or RecordingOperation.Delete or RecordingOperation.CommitCas or RecordingOperation.DeleteCas or RecordingOperation.Override => [e.Key!],
                    RecordingOperation.CommitAll => e.Members!.Select(m => m.Key),
                    _ => [],
                })
                {
                    uncertain[key] = uncertain.GetValueOrDefault(key) + 1;
                }
            }
        }

        foreach (var group in landed.GroupBy(l => l.Key, StringComparer.Ordinal))
        {
            long slack = uncertain.GetValueOrDefault(group.Key);
            var expected = 1L;
            foreach (var l in group.GroupBy(l => l.Version).OrderBy(g => g.Key).Select(g => g.First()))
            {
                var gap = l.Version - expected;
                if (gap > slack)
                {
                    found.Add(Divergence(entries, l.Step, "ContiguousVersions", $"v{l.Version} of '{l.Key}' landed but no recorded write produced {(gap == 1 ? $"v{expected}" : $"v{expected} to v{l.Version - 1}")}", $"v{expected}", $"v{l.Version}"));
                    break;
                }

                slack -= Math.Max(0, gap);
                expected = l.Version + 1;
            }
        }
    }

    /// <summary>
    /// HitFromView: a cache hit serves a version its agent had read or written on that key before.
    /// DeliveredWasSent: a delivered signal is one a write or sweep produced.
    /// </summary>
    private static void ClientEvents(IReadOnlyList<RecordingEntry> entries, List<ReplayDivergence> found)
    {
        var sent = new HashSet<(string, long, string, SignalKind)>();
        foreach (var e in entries)
        {
            foreach (var s in e.Signals ?? [])
            {
                sent.Add((s.Key, s.Version, s.Recipient, s.Kind));
            }
        }

        for (var i = 0; i < entries.Count; i++)
        {
            var e = entries[i];
            if (e.Op == RecordingOperation.CacheHit && (e.View ?? e.Version) is { } served && e.Agent is { } agent && e.Key is { } key)
            {
                var known = entries.Take(i).Concat(entries.Skip(i + 1).TakeWhile(o => o.Started <= e.Completed)).Any(o =>
                    o.Agent == agent && o.Outcome == RecordingOutcome.Ok && o.Started <= e.Completed && o.Op != RecordingOperation.CacheHit
                    && ((o.Key == key && o.Version == served && o.Op is not RecordingOperation.SignalDelivered)
                        || (o.Members?.Any(m => m.Key == key && m.Version == served) ?? false)));
                if (!known)
                {
                    found.Add(Divergence(entries, i + 1, "HitFromView", $"{agent} served v{served} of '{key}' from its cache, but it never read or wrote that version", "a version the agent read or wrote", $"hit at v{served}"));
                }
            }
            else if (e.Op == RecordingOperation.SignalDelivered && e.Agent is { } recipient && e.Key is { } signalled && e.Version is { } version)
            {
                var matches = e.SignalKind is { } kind
                    ? sent.Contains((signalled, version, recipient, kind))
                    : sent.Any(s => s.Item1 == signalled && s.Item2 == version && s.Item3 == recipient);
                if (!matches)
                {
                    found.Add(Divergence(entries, i + 1, "DeliveredWasSent", $"{recipient} was delivered a signal for v{version} of '{signalled}' that no write or sweep produced", "a produced signal", $"delivered v{version}"));
                }
            }
        }
    }

    private static string Describe(RecordingEntry e) => ReplayApply.Describe(e);
}
