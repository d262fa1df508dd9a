using System.Reflection;
using AgentCoherence.ModelChecking.Explorer;
using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking;

/// <summary>The explorer's own copies of a state are the core's deep copy, field for field.</summary>
public sealed class StateCopierTests
{
    private static readonly ModelUniverse Universe = new(new ExplorerBounds(Agents: 2, Artifacts: 2));

    [Fact]
    public void A_copy_equals_the_cores_clone_in_every_field()
    {
        var state = Busy();

        var copy = StateCopier.Copy(state.Directory);

        Assert.True(ExactStateComparer.Equal(new ModelState(state.Directory.Clone(), state.Now), new ModelState(copy, state.Now)));
    }

    [Fact]
    public void Copying_into_a_changed_state_puts_it_back_exactly()
    {
        var original = Busy();
        var changed = original.DeepCopy();
        var runner = new OperationRunner(CoherenceRules.Default, Universe);
        runner.Run(changed, new ModelOperation(ModelOperationKind.Read, Agent: 0, Artifact: 1));
        runner.Run(changed, new ModelOperation(ModelOperationKind.CommitCas, Agent: 0, Artifact: 1, Expected: 2));
        runner.Run(changed, ModelOperation.Sweep);
        Assert.False(ExactStateComparer.Equal(original, changed));

        new StateCopier().CopyInto(original.Directory, changed.Directory);

        Assert.True(ExactStateComparer.Equal(original, changed with { Now = original.Now }));
    }

    [Fact]
    public void Copying_into_a_state_that_gained_records_and_entries_drops_them()
    {
        var runner = new OperationRunner(CoherenceRules.Default, Universe);
        var original = Universe.InitialState(CoherenceRules.Default);
        runner.Run(original, new ModelOperation(ModelOperationKind.CommitCas, Agent: 0, Artifact: 0, Expected: 0));
        var changed = original.DeepCopy();
        runner.Run(changed, new ModelOperation(ModelOperationKind.Read, Agent: 1, Artifact: 0));
        runner.Run(changed, new ModelOperation(ModelOperationKind.Acquire, Agent: 0, Artifact: 1));
        Assert.False(ExactStateComparer.Equal(original, changed));

        new StateCopier().CopyInto(original.Directory, changed.Directory);

        Assert.True(ExactStateComparer.Equal(original, changed));
        Assert.Single(changed.Directory.Records);
        Assert.Single(changed.Directory.Records[Universe.Artifacts[0]].Holders);
    }

    [Fact]
    public void The_copier_knows_every_settable_field_of_records_and_entries()
    {
        // A field added to the core's records or entries must be added to the copier and the comparer too.
        Assert.Equal(
            ["CommittedAt", "Content", "ContentHash", "IsTombstone", "LastWriter", "OwnerEpoch", "SizeTokens", "Version"],
            SettableProperties(typeof(DirectoryRecord)));
        Assert.Equal(["GrantedAt", "LastReclaim", "ReadEpoch", "State", "ViewVersion"], SettableProperties(typeof(HolderEntry)));
    }

    private static string[] SettableProperties(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite).Select(p => p.Name).Order(StringComparer.Ordinal).ToArray();

    /// <summary>Two artifacts, one held and committed, one deleted after a reclaim, with peers in S and I.</summary>
    private static ModelState Busy()
    {
        var runner = new OperationRunner(CoherenceRules.Default, Universe);
        var state = Universe.InitialState(CoherenceRules.Default);
        ModelOperation[] steps =
        [
            new(ModelOperationKind.CommitCas, Agent: 1, Artifact: 1, Expected: 0),
            new(ModelOperationKind.Read, Agent: 0, Artifact: 1),
            new(ModelOperationKind.Acquire, Agent: 0, Artifact: 1),
            ModelOperation.Tick,
            ModelOperation.Tick,
            ModelOperation.Sweep,
            new(ModelOperationKind.DeleteCas, Agent: 1, Artifact: 1, Expected: 1),
            new(ModelOperationKind.Acquire, Agent: 0, Artifact: 0),
            new(ModelOperationKind.Commit, Agent: 0, Artifact: 0),
            new(ModelOperationKind.Read, Agent: 1, Artifact: 0),
        ];
        foreach (var step in steps)
        {
            var (after, outcome) = runner.Run(state, step);
            Assert.False(outcome.Refused, $"{step} was refused: {outcome.Detail}");
            state = after;
        }

        return state;
    }
}
