using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>
/// What the exploration actually reached, so a test can tell "no violation" from "never got there".
/// Filled from every explored state and every step that landed.
/// </summary>
internal sealed class CoverageFacts
{
    public long HighestVersion { get; private set; }

    public long HighestEpoch { get; private set; }

    public bool TombstoneReached { get; private set; }

    public bool RecreatedAfterDelete { get; private set; }

    public bool ModifiedReached { get; private set; }

    public bool SharedWhileOtherHoldsGrant { get; private set; }

    public bool HeartbeatReclaimReached { get; private set; }

    public bool MaxHoldReclaimReached { get; private set; }

    /// <summary>A step that landed past the version cap was checked (and not explored further).</summary>
    public bool VersionCapExceeded { get; private set; }

    /// <summary>A reclaim that moved the owner epoch past its cap was checked (and not explored further).</summary>
    public bool EpochCapExceeded { get; private set; }

    /// <summary>How many refused steps were checked to leave the state untouched, by refusal reason.</summary>
    public SortedDictionary<string, long> Refusals { get; } = new(StringComparer.Ordinal);

    public void ObserveRefusal(StepOutcome outcome)
    {
        Refusals[outcome.Detail] = Refusals.GetValueOrDefault(outcome.Detail) + 1;
    }

    public void ObservePruned(ModelState state, ExplorerBounds bounds)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(bounds);
        foreach (var record in state.Directory.Records.Values)
        {
            VersionCapExceeded |= record.Version > bounds.MaxVersion;
            EpochCapExceeded |= bounds.MaxEpoch is { } cap && record.OwnerEpoch > cap;
        }
    }

    public void ObserveStep(ModelState before, ModelState after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        foreach (var (key, record) in after.Directory.Records)
        {
            if (record.Exists && before.Directory.Records.TryGetValue(key, out var previous) && previous.IsTombstone)
            {
                RecreatedAfterDelete = true;
            }
        }
    }

    public void ObserveState(ModelState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        foreach (var record in state.Directory.Records.Values)
        {
            HighestVersion = Math.Max(HighestVersion, record.Version);
            HighestEpoch = Math.Max(HighestEpoch, record.OwnerEpoch);
            TombstoneReached |= record.IsTombstone;
            var grantHeld = false;
            var shared = false;
            foreach (var entry in record.Holders.Values)
            {
                ModifiedReached |= entry.State == HolderState.Modified;
                grantHeld |= entry.State.HoldsGrant();
                shared |= entry.State == HolderState.Shared;
                HeartbeatReclaimReached |= entry.LastReclaim?.Trigger == ReclaimTrigger.Heartbeat;
                MaxHoldReclaimReached |= entry.LastReclaim?.Trigger == ReclaimTrigger.MaxHold;
            }

            SharedWhileOtherHoldsGrant |= grantHeld && shared;
        }
    }

    public override string ToString() => ToString(onlyFacts: false);

    /// <param name="onlyFacts">True to leave out the refusal counts, which depend on how many states were explored.</param>
    public string ToString(bool onlyFacts)
    {
        var facts = $"highest version {HighestVersion}, highest epoch {HighestEpoch}, tombstone {TombstoneReached}, re-created {RecreatedAfterDelete}, " +
            $"M {ModifiedReached}, S beside a grant {SharedWhileOtherHoldsGrant}, reclaims heartbeat {HeartbeatReclaimReached} / max_hold {MaxHoldReclaimReached}, " +
            $"version cap exceeded {VersionCapExceeded}, epoch cap exceeded {EpochCapExceeded}";
        return onlyFacts ? facts : $"{facts}; refusals checked: {string.Join(", ", Refusals.Select(r => $"{r.Key} {r.Value}"))}";
    }
}
