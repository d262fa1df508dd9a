namespace AgentCoherence.Volume;

/// <summary>One member of <see cref="CoherentVolume.PublishAsync"/>: new content derived from <paramref name="ExpectedVersion"/>.</summary>
/// <param name="Path">The managed file, relative to the root.</param>
/// <param name="Content">The new text.</param>
/// <param name="ExpectedVersion">The version the content was derived from; 0 creates a file that never existed.</param>
public sealed record VolumePublishItem(string Path, string Content, long ExpectedVersion);
