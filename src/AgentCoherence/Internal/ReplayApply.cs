using System.Globalization;
using System.Text;
using AgentCoherence.Protocol;
using AgentCoherence.Recording;

namespace AgentCoherence.Internal;

/// <summary>Re-applies one recorded store operation through the rules and compares the rules' outcome with the recorded one.</summary>
internal static class ReplayApply
{
    public static Mismatch? Apply(ReplayStep step, ArtifactKey? partitionKey, DirectoryState state, CoherenceRules rules, bool compare, List<string> notes)
    {
        var e = step.Entry;
        var uncertain = e.Outcome is RecordingOutcome.Unknown or RecordingOutcome.Unavailable;
        compare &= !uncertain; // an uncertain attempt's effect is checked by the invariants and by later outcomes, not by its own
        var now = e.Started;
        var op = e.OperationId is { } id ? new OperationId(id) : default;
        var signals = new List<InvalidationSignal>();
        switch (e.Op)
        {
            case RecordingOperation.Register:
                rules.Register(state, Agent(e), now);
                return compare && e.Outcome != RecordingOutcome.Ok ? Outcome(e, "ok", Describe(e)) : null;

            case RecordingOperation.Heartbeat:
                return Compare(e, compare, rules.Heartbeat(state, Agent(e), now), null, []);

            case RecordingOperation.Forget:
                {
                    var found = rules.Forget(state, Agent(e));
                    return compare && e.Found is { } recorded && recorded != found
                        ? Outcome(e, found ? "the agent was registered (found)" : "the agent was not registered", recorded ? "found" : "not found")
                        : null;
                }

            case RecordingOperation.Sweep:
                return Sweep(e, partitionKey, state, rules, notes);

            case RecordingOperation.Read:
                {
                    var read = rules.Read(state, Agent(e), Key(e), e.Known ?? -1);
                    if (!compare)
                    {
                        return null;
                    }

                    var rulesNotFound = read.Refusal?.Reason == RefusalReason.NotFound;
                    var recordedNotFound = e.Reason == RefusalReason.NotFound || (e.Outcome == RecordingOutcome.Ok && e.Tombstone == true);
                    if (read.Refusal is { } refusal && !rulesNotFound)
                    {
                        return Compare(e, compare, refusal, read.Version, []);
                    }

                    if (rulesNotFound != recordedNotFound || (!recordedNotFound && e.Outcome != RecordingOutcome.Ok))
                    {
                        return Outcome(e, rulesNotFound ? $"not found (v{read.Version})" : $"read v{read.Version}", Describe(e));
                    }

                    if (e.Version is { } v && v != read.Version)
                    {
                        return Outcome(e, $"read v{read.Version}", Describe(e));
                    }

                    if (!rulesNotFound && e.ContentIncluded is { } included && included != read.ContentIncluded)
                    {
                        return Outcome(e, read.ContentIncluded ? "content included" : "no content (a re-validation of the current version)", included ? "content included" : "no content");
                    }

                    return null;
                }

            case RecordingOperation.Acquire:
                {
                    var result = rules.Acquire(state, Agent(e), Key(e), now, op);
                    return Compare(e, compare, result.Refusal, result.Version, null);
                }

            case RecordingOperation.Commit:
                {
                    var result = rules.Commit(state, Agent(e), Key(e), Payload(e.Hash, e.Tokens), now, signals, op);
                    return Compare(e, compare, result.Refusal, result.Version, result.Signals);
                }

            case RecordingOperation.Delete:
                {
                    var result = rules.Delete(state, Agent(e), Key(e), now, signals, op);
                    return Compare(e, compare, result.Refusal, result.Version, result.Signals);
                }

            case RecordingOperation.CommitCas:
                {
                    var result = rules.CommitCas(state, Agent(e), Key(e), Payload(e.Hash, e.Tokens), e.Expected ?? 0, now, signals, op);
                    return Compare(e, compare, result.Refusal, result.Version, result.Signals);
                }

            case RecordingOperation.DeleteCas:
                {
                    var result = rules.DeleteCas(state, Agent(e), Key(e), e.Expected ?? 0, now, signals, op);
                    return Compare(e, compare, result.Refusal, result.Version, result.Signals);
                }

            case RecordingOperation.CommitAll:
                return CommitAll(step, state, rules, compare, now, op);

            case RecordingOperation.Release:
                {
                    var found = rules.Release(state, Agent(e), Key(e), op);
                    return compare && e.Found is { } recorded && recorded != found
                        ? Outcome(e, found ? "released a held grant" : "no grant was held", recorded ? "found" : "not found")
                        : null;
                }

            case RecordingOperation.Override:
                return Override(e, state, rules, compare, now, op, signals);

            default:
                return null;
        }
    }

    /// <summary>Observe mode's uncoordinated write, through the same rule the stores apply (<see cref="CoherenceRules.Override"/>).</summary>
    private static Mismatch? Override(RecordingEntry e, DirectoryState state, CoherenceRules rules, bool compare, DateTimeOffset now, OperationId op, List<InvalidationSignal> signals)
    {
        var payload = e.Tombstone == true ? null : Payload(e.Hash, e.Tokens);
        var result = rules.Override(state, Agent(e), Key(e), payload, now, signals, op);
        return Compare(e, compare, result.Refusal, result.Version, result.Signals);
    }

    private static Mismatch? CommitAll(ReplayStep step, DirectoryState state, CoherenceRules rules, bool compare, DateTimeOffset now, OperationId op)
    {
        var e = step.Entry;
        var members = step.Member is { } only ? [only] : e.Members!;
        var batch = members.Select(m => new BatchMember(ArtifactKey.FromStoreKey(m.Key), Payload(m.Hash, m.Tokens), m.Expected)).ToList();
        var signals = new List<InvalidationSignal>();
        var target = e.Outcome == RecordingOutcome.Refused && step.Member is not null ? state.Clone() : state;
        CommitAllResult result;
        try
        {
            result = rules.CommitAll(target, Agent(e), batch, now, signals, op);
        }
        catch (CoherenceArgumentException ex)
        {
            return new Mismatch("Outcome", $"the batch is malformed: {ex.Message}", "a valid batch", Describe(e));
        }

        if (!compare)
        {
            // A refused batch changes nothing; a member checked alone on a copy must not change the replayed state.
            return null;
        }

        if (e.Outcome == RecordingOutcome.Ok)
        {
            if (!result.Committed)
            {
                var refused = result.Refusals.Select((r, i) => r is null ? null : $"{members[i].Key}: {Name(r.Reason)}").Where(s => s is not null);
                return Outcome(e, "refused (" + string.Join(", ", refused) + ")", "committed");
            }

            for (var i = 0; i < members.Count; i++)
            {
                if (members[i].Version is { } v && v != result.Versions[i])
                {
                    return Outcome(e, $"{members[i].Key} at v{result.Versions[i]}", $"{members[i].Key} at v{v}");
                }
            }

            var keys = members.Select(m => m.Key).ToHashSet(StringComparer.Ordinal);
            return CompareSignals(e, result.Signals, (e.Signals ?? []).Where(s => keys.Contains(s.Key)).ToList());
        }

        // Refused: each member refused for its recorded reason; a member recorded without a reason passed its checks.
        for (var i = 0; i < members.Count; i++)
        {
            var rulesReason = result.Refusals[i]?.Reason;
            if (rulesReason != members[i].Reason)
            {
                return Outcome(e, $"{members[i].Key}: {(rulesReason is { } a ? Name(a) : "passes its checks")}", $"{members[i].Key}: {(members[i].Reason is { } b ? Name(b) : "passed its checks")}");
            }
        }

        if (step.Member is null && result.Committed)
        {
            return Outcome(e, "committed", "refused");
        }

        return null;
    }

    /// <summary>
    /// A sweep as recorded: the store decided its reclaims by its own clock, so they are applied as the recording
    /// says (each reclaimed agent must have held the grant; the epoch moves by one), not re-decided. Pruning is
    /// re-decided by the rules with the recording's times, and only when the recording says the sweep pruned.
    /// </summary>
    private static Mismatch? Sweep(RecordingEntry e, ArtifactKey? partitionKey, DirectoryState state, CoherenceRules rules, List<string> notes)
    {
        foreach (var signal in e.Signals ?? [])
        {
            if (signal.Kind != SignalKind.Reclaim)
            {
                continue;
            }

            var key = ArtifactKey.FromStoreKey(signal.Key);
            if (partitionKey is not null && key != partitionKey)
            {
                continue;
            }

            var agent = new AgentId(signal.Recipient);
            if (!state.Records.TryGetValue(key, out var record) || !record.Holders.TryGetValue(agent, out var entry) || !entry.State.HoldsGrant())
            {
                return new Mismatch(
                    "ReclaimedHolder",
                    $"the sweep reclaimed {agent}'s grant on '{key}', but {agent} held no grant there",
                    $"{agent} holds E/M on '{key}'",
                    $"reclaim of {agent}");
            }

            record.OwnerEpoch++;
            if (signal.Epoch != record.OwnerEpoch && e.Outcome == RecordingOutcome.Ok)
            {
                return Outcome(e, $"the reclaim moves '{key}' to epoch {record.OwnerEpoch}", $"epoch {signal.Epoch}");
            }

            entry.State = HolderState.Invalid;
            entry.GrantedAt = null;
            entry.LastReclaim = new ReclaimInfo(ReclaimTrigger.Heartbeat, e.Started, record.OwnerEpoch);
        }

        if (e.Pruned is > 0 && e.PruneSilentAfter is { } pruneAfter)
        {
            var result = rules.Sweep(state, new SweepPolicy(TimeSpan.MaxValue, TimeSpan.MaxValue, pruneAfter), e.Started, []);
            if (partitionKey is null && result.PrunedEntries != e.Pruned)
            {
                notes.Add($"{e.Source}: the sweep pruned {e.Pruned} entries by the store's clock; by the recording's times {result.PrunedEntries} are silent long enough (pruning is re-decided, not checked).");
            }
        }

        return null;
    }

    private static Mismatch? Compare(RecordingEntry e, bool compare, Refusal? refusal, long? version, IReadOnlyList<InvalidationSignal>? signals)
    {
        if (!compare)
        {
            return null;
        }

        if (refusal is not null)
        {
            var rules = $"refused {Name(refusal.Reason)} (current v{refusal.CurrentVersion}{(refusal.Holder is { } h ? $", held by {h}" : "")})";
            if (e.Outcome != RecordingOutcome.Refused || e.Reason != refusal.Reason)
            {
                return Outcome(e, rules, Describe(e));
            }

            if ((e.Version is { } v && v != refusal.CurrentVersion && refusal.Reason != RefusalReason.UnknownAgent)
                || (e.Holder is { } holder && refusal.Holder is { } rulesHolder && holder != rulesHolder.Value)
                || (e.CallerVersion is { } caller && refusal.CallerVersion is { } rulesCaller && caller != rulesCaller))
            {
                return Outcome(e, rules, Describe(e));
            }

            return null;
        }

        if (e.Outcome != RecordingOutcome.Ok)
        {
            return Outcome(e, version is { } rv ? $"ok at v{rv}" : "ok", Describe(e));
        }

        if (version is { } produced && e.Version is { } recorded && recorded != produced)
        {
            return Outcome(e, $"ok at v{produced}", Describe(e));
        }

        return signals is null ? null : CompareSignals(e, signals, e.Signals ?? []);
    }

    private static Mismatch? CompareSignals(RecordingEntry e, IReadOnlyList<InvalidationSignal> produced, IReadOnlyList<RecordingSignal> recorded)
    {
        var rules = produced.Select(s => $"{s.Recipient.Value}:{Name(s.Kind)}@v{s.NewVersion}").Order(StringComparer.Ordinal).ToList();
        var seen = recorded.Select(s => $"{s.Recipient}:{Name(s.Kind)}@v{s.Version}").Order(StringComparer.Ordinal).ToList();
        return rules.SequenceEqual(seen, StringComparer.Ordinal)
            ? null
            : Outcome(e, "signals to [" + string.Join(", ", rules) + "]", "signals to [" + string.Join(", ", seen) + "]");
    }

    private static Mismatch Outcome(RecordingEntry e, string rules, string recorded) =>
        new("Outcome", $"{ReplayEngine.Name(e.Op)} by {e.Agent ?? "the sweeper"}{(e.Key is { } k ? $" on '{k}'" : "")}: the rules give {rules}, the recording says {recorded}", rules, recorded);

    internal static string Describe(RecordingEntry e)
    {
        var text = new StringBuilder(Name(e.Outcome));
        if (e.Reason is { } reason)
        {
            text.Append(' ').Append(Name(reason));
        }

        if (e.Version is { } v)
        {
            text.Append(CultureInfo.InvariantCulture, $" at v{v}");
        }

        if (e.Holder is { } holder)
        {
            text.Append(CultureInfo.InvariantCulture, $" (held by {holder})");
        }

        return text.ToString();
    }

    private static string Name<T>(T value) where T : struct, Enum => value.ToString() is var s ? char.ToLowerInvariant(s[0]) + s[1..] : "";

    private static AgentId Agent(RecordingEntry e) => new(e.Agent!);

    private static ArtifactKey Key(RecordingEntry e) => ArtifactKey.FromStoreKey(e.Key!);

    /// <summary>Content stand-in: a recording holds the hash, not necessarily the bytes; the rules only need a payload.</summary>
    private static ContentPayload Payload(string? hash, int? tokens) => ContentPayload.Create(Encoding.UTF8.GetBytes(hash ?? ""), Math.Max(0, tokens ?? 0));
}
