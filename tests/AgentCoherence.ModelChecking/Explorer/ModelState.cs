using AgentCoherence.Protocol;

namespace AgentCoherence.ModelChecking.Explorer;

/// <summary>A concrete state of the model: the authority's directory and the clock.</summary>
/// <param name="Directory">Records and heartbeats, changed only through <see cref="CoherenceRules"/>.</param>
/// <param name="Now">The current time of the abstract clock.</param>
internal sealed record ModelState(DirectoryState Directory, DateTimeOffset Now)
{
    public ModelState DeepCopy() => new(StateCopier.Copy(Directory), Now);

    /// <summary>The version of an artifact, 0 when it has no record.</summary>
    public long VersionOf(ArtifactKey key) => Directory.Records.TryGetValue(key, out var record) ? record.Version : 0;

    /// <summary>The holder entry of an agent on an artifact, if any.</summary>
    public HolderEntry? EntryOf(ArtifactKey key, AgentId agent) =>
        Directory.Records.TryGetValue(key, out var record) && record.Holders.TryGetValue(agent, out var entry) ? entry : null;
}
