using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>
/// The invariants of one step, judged from the state before, the step and the state after:
/// a refusal changes nothing; a read leaves its reader unfenced (ReadRearmsFence); versions move up by
/// one and never back (MonotonicVersion); a version moves only by a write based on the version it
/// replaced (NoLostUpdate) from an agent whose read epoch is not behind the owner epoch (NoStaleApply).
/// </summary>
internal sealed class TransitionChecker
{
    private readonly ModelUniverse _universe;

    public TransitionChecker(ModelUniverse universe)
    {
        _universe = universe ?? throw new ArgumentNullException(nameof(universe));
    }

    /// <param name="before">The state before the step (untouched).</param>
    /// <param name="op">The step.</param>
    /// <param name="outcome">What the rules answered.</param>
    /// <param name="after">The state after the step.</param>
    /// <param name="highWater">Per artifact, the highest version seen on the path to <paramref name="before"/>.</param>
    public Violation? Check(ModelState before, ModelOperation op, StepOutcome outcome, ModelState after, IReadOnlyList<long> highWater)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        ArgumentNullException.ThrowIfNull(highWater);
        if (outcome.Refused && !ExactStateComparer.Equal(before, after))
        {
            return new Violation(ModelInvariant.RefusalChangesNothing, $"{op} was refused ({outcome.Detail}) but changed the state.");
        }

        if (op.Kind == ModelOperationKind.Read && after.EntryOf(_universe.Artifacts[op.Artifact], _universe.Agents[op.Agent]) is { ReadEpoch: { } readEpoch }
            && readEpoch < after.Directory.Records[_universe.Artifacts[op.Artifact]].OwnerEpoch)
        {
            return new Violation(
                ModelInvariant.ReadRearmsFence,
                $"{op} ({outcome.Detail}) left {ModelOperation.AgentName(op.Agent)} fenced: read epoch {readEpoch}, owner epoch {after.Directory.Records[_universe.Artifacts[op.Artifact]].OwnerEpoch}.");
        }

        if (outcome.Refused)
        {
            return null;
        }

        for (var artifact = 0; artifact < _universe.Artifacts.Count; artifact++)
        {
            if (CheckArtifact(before, op, after, artifact, highWater[artifact]) is { } violation)
            {
                return violation;
            }
        }

        return null;
    }

    private Violation? CheckArtifact(ModelState before, ModelOperation op, ModelState after, int artifact, long highWater)
    {
        var key = _universe.Artifacts[artifact];
        var name = ModelOperation.ArtifactName(artifact);
        var pre = before.Directory.Records.GetValueOrDefault(key);
        var post = after.Directory.Records.GetValueOrDefault(key);
        if (pre is not null && post is null)
        {
            return new Violation(ModelInvariant.MonotonicVersion, $"{op} made the record of {name} (v{pre.Version}) vanish.");
        }

        var from = pre?.Version ?? 0;
        var to = post?.Version ?? 0;
        if (to == from)
        {
            return null;
        }

        if (to < from)
        {
            return new Violation(ModelInvariant.MonotonicVersion, $"{op} took {name} back from v{from} to v{to}.");
        }

        if (to != from + 1)
        {
            return new Violation(ModelInvariant.MonotonicVersion, $"{op} took {name} from v{from} to v{to}, skipping versions.");
        }

        if (to <= highWater)
        {
            return new Violation(ModelInvariant.MonotonicVersion, $"{op} produced v{to} of {name} again (v{highWater} was already seen).");
        }

        if (!op.IsWrite || op.Artifact != artifact)
        {
            return new Violation(ModelInvariant.NoLostUpdate, $"{op} is not a write on {name}, yet moved it from v{from} to v{to}.");
        }

        var writer = _universe.Agents[op.Agent];
        var entry = pre?.Holders.GetValueOrDefault(writer);
        var ownerEpoch = pre?.OwnerEpoch ?? 0;
        if (op.IsCas)
        {
            if (op.Expected != from)
            {
                return new Violation(ModelInvariant.NoLostUpdate, $"{op} landed v{to} on {name}, but the version it replaced was v{from}.");
            }

            if (entry?.ReadEpoch is { } readEpoch && readEpoch != ownerEpoch)
            {
                return new Violation(ModelInvariant.NoStaleApply, $"{op} landed v{to} on {name} with read epoch {readEpoch}, but the owner epoch is {ownerEpoch}.");
            }

            return null;
        }

        if (entry is null || !entry.State.HoldsGrant())
        {
            return new Violation(
                ModelInvariant.NoLostUpdate,
                $"{op} landed v{to} on {name} without the grant ({writer} was {(entry is null ? "unknown to the record" : entry.State.Letter())}).");
        }

        if (entry.ViewVersion != from)
        {
            return new Violation(ModelInvariant.NoLostUpdate, $"{op} landed v{to} on {name} from a view of v{entry.ViewVersion}, but the version it replaced was v{from}.");
        }

        if (entry.ReadEpoch != ownerEpoch)
        {
            return new Violation(
                ModelInvariant.NoStaleApply,
                $"{op} landed v{to} on {name} under a grant with read epoch {entry.ReadEpoch?.ToString() ?? "none"}, but the owner epoch is {ownerEpoch}.");
        }

        return null;
    }
}
