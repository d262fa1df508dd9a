namespace AgentCoherence;

/// <summary>One member of <see cref="CoherentAgent.PublishAsync(IEnumerable{PublishItem}, CancellationToken)"/>: content derived from <paramref name="ExpectedVersion"/>.</summary>
/// <param name="Key">The artifact.</param>
/// <param name="Content">The new text.</param>
/// <param name="ExpectedVersion">The version read before deriving the content; 0 creates.</param>
public sealed record PublishItem(ArtifactKey Key, string Content, long ExpectedVersion);
