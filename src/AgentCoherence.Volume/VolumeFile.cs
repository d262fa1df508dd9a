namespace AgentCoherence.Volume;

/// <summary>A file as the volume read or wrote it.</summary>
/// <param name="Path">The normalized path relative to the root, with <c>/</c> separators.</param>
/// <param name="Content">The file's text (UTF-8).</param>
/// <param name="Version">The committed version; 0 for unmanaged files, which have none.</param>
public sealed record VolumeFile(string Path, string Content, long Version)
{
    /// <summary>True when the file is managed (has a version in the store).</summary>
    public bool IsManaged => Version > 0;
}
