namespace AgentCoherence.AgentFramework.Internal;

/// <summary>What the artifact tools return on success: the artifact, its version and (for reads) its text.</summary>
internal sealed record ArtifactToolResult(string Path, long Version, string? Text, string? LastWriter);
