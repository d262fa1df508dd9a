namespace AgentCoherence.Protocol;

/// <summary>One member of an atomic multi-artifact publish.</summary>
/// <param name="Key">The artifact.</param>
/// <param name="Content">The content to commit.</param>
/// <param name="ExpectedVersion">The version the content was derived from (0 creates).</param>
public sealed record BatchMember(ArtifactKey Key, ContentPayload Content, long ExpectedVersion);
