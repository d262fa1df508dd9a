namespace AgentCoherence.AgentFramework;

/// <summary>Settings of a <see cref="CoherentAgentFileStore"/>.</summary>
public sealed class CoherentAgentFileStoreOptions
{
    /// <summary>
    /// The AgentCoherence agent every read and write is made as. When <see langword="null"/> (the default) the agent is
    /// the one running the current call: <c>AIAgent.CurrentRunContext</c>'s agent name, or its id when it has no name.
    /// </summary>
    public string? AgentId { get; set; }

    /// <summary>
    /// Prepended to every file path to form the artifact name (for example <c>"files/"</c>), so the files of one store
    /// do not collide with other artifacts. Empty by default: <c>plans/plan.md</c> is the artifact <c>plans/plan.md</c>.
    /// </summary>
    public string KeyPrefix { get; set; } = "";

    /// <summary>
    /// Files the framework derives from other files and rewrites wholesale (by default <c>FileMemoryProvider</c>'s
    /// <c>memories.md</c> index and its <c>*_description.md</c> files). They are written last-writer-wins, with no view
    /// required, because a stale copy is rebuilt rather than merged. Every other write needs the agent's current view.
    /// </summary>
    public Func<string, bool> IsDerivedFile { get; set; } = DefaultIsDerivedFile;

    /// <summary>The default <see cref="IsDerivedFile"/>: <c>memories.md</c> and <c>*_description.md</c> in any folder.</summary>
    /// <param name="path">The normalised relative path.</param>
    /// <returns>True for a file <c>FileMemoryProvider</c> derives.</returns>
    public static bool DefaultIsDerivedFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var name = path[(path.LastIndexOf('/') + 1)..];
        return name.Equals("memories.md", StringComparison.OrdinalIgnoreCase)
            || name.EndsWith("_description.md", StringComparison.OrdinalIgnoreCase);
    }
}
