namespace AgentCoherence.Recording;

/// <summary>An invalidation a recorded write produced (see <see cref="InvalidationSignal"/>).</summary>
/// <param name="Key">The artifact's store key (<see cref="ArtifactKey.StoreKey"/>).</param>
/// <param name="Version">The artifact's new version.</param>
/// <param name="Issuer">The writer (or <c>#sweeper</c> for a reclaim).</param>
/// <param name="Kind">Commit, delete, reclaim or refresh.</param>
/// <param name="Recipient">The peer told.</param>
/// <param name="Epoch">The owner epoch after the write.</param>
public sealed record RecordingSignal(string Key, long Version, string Issuer, SignalKind Kind, string Recipient, long Epoch);
