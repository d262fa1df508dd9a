namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>
/// Every step the explorer tries from a state, in a fixed order. Steps the rules will refuse are
/// tried too: each refusal is checked to leave the state untouched.
/// </summary>
internal static class OperationCatalog
{
    public static void Fill(ModelUniverse universe, ModelState state, List<ModelOperation> into)
    {
        ArgumentNullException.ThrowIfNull(universe);
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(into);
        into.Clear();
        for (var agent = 0; agent < universe.Agents.Count; agent++)
        {
            for (var artifact = 0; artifact < universe.Artifacts.Count; artifact++)
            {
                into.Add(new(ModelOperationKind.Read, agent, artifact));
                into.Add(new(ModelOperationKind.Acquire, agent, artifact));
                into.Add(new(ModelOperationKind.Commit, agent, artifact));
                into.Add(new(ModelOperationKind.Release, agent, artifact));
                into.Add(new(ModelOperationKind.Delete, agent, artifact));

                // Every expected version up to the current one, plus current + 1 for the "ahead" refusal.
                var version = state.VersionOf(universe.Artifacts[artifact]);
                for (var expected = 0L; expected <= version + 1; expected++)
                {
                    into.Add(new(ModelOperationKind.CommitCas, agent, artifact, expected));
                    into.Add(new(ModelOperationKind.DeleteCas, agent, artifact, expected));
                }
            }

            into.Add(new(ModelOperationKind.Heartbeat, agent));
        }

        into.Add(ModelOperation.Tick);
        into.Add(ModelOperation.Sweep);
    }
}
