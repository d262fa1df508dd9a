namespace AgentCoherence.Volume.Internal;

/// <summary>What the disk held under the grant, and the store's version and hash it matched.</summary>
/// <param name="Bytes">The file's bytes; null when there is no file.</param>
/// <param name="Version">The store's version (0 when none).</param>
/// <param name="Hash">The store's (and the file's) hash; null when there is no live version and no file.</param>
internal readonly record struct DiskState(byte[]? Bytes, long Version, string? Hash);
