namespace AgentCoherence.Volume.Internal;

/// <summary>A path that passed the safety checks.</summary>
/// <param name="Name">Relative to the root, normalized, with <c>/</c> separators: the artifact name.</param>
/// <param name="FullPath">The absolute path on disk.</param>
internal sealed record ResolvedPath(string Name, string FullPath);
