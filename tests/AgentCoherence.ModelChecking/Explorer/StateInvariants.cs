using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>The invariants that must hold in every reachable state: SingleWriter and ViewCurrent.</summary>
internal static class StateInvariants
{
    public static Violation? Check(ModelUniverse universe, ModelState state)
    {
        ArgumentNullException.ThrowIfNull(universe);
        ArgumentNullException.ThrowIfNull(state);
        foreach (var key in universe.Artifacts)
        {
            if (!state.Directory.Records.TryGetValue(key, out var record))
            {
                continue;
            }

            var violation = Check(record);

            // The core ships its own runtime checker of the same two invariants (run by stores in debug
            // builds); the two must agree, or one of them is wrong.
            var core = InvariantChecker.CheckRecord(record);
            if ((violation is null) != (core is null))
            {
                throw new InvalidOperationException(
                    $"The explorer and InvariantChecker disagree on {key}: explorer says '{violation?.Message ?? "fine"}', core says '{core ?? "fine"}'.");
            }

            if (violation is not null)
            {
                return violation;
            }
        }

        return null;
    }

    private static Violation? Check(DirectoryRecord record)
    {
        var name = record.Key.Name;
        AgentId? writer = null;
        foreach (var (agent, entry) in record.Holders)
        {
            if (entry.State.HoldsGrant())
            {
                if (writer is { } other)
                {
                    return new Violation(ModelInvariant.SingleWriter, $"{other} and {agent} both hold E/M on {name}.");
                }

                writer = agent;
            }
        }

        foreach (var (agent, entry) in record.Holders)
        {
            if (entry.State != HolderState.Invalid && entry.ViewVersion != record.Version)
            {
                return new Violation(
                    ModelInvariant.ViewCurrent,
                    $"{agent} is {entry.State.Letter()} on {name} with view v{entry.ViewVersion}, but the version is v{record.Version}.");
            }
        }

        return null;
    }
}
