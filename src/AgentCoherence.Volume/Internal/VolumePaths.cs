namespace AgentCoherence.Volume.Internal;

/// <summary>
/// Turns caller paths into safe paths under the root: relative only, no <c>..</c>, nothing under the
/// state directory, and no symbolic link on the way that leads out of the root.
/// </summary>
internal sealed class VolumePaths
{
    private static readonly StringComparison FileNameComparison =
        OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;

    public VolumePaths(string root)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        var target = new DirectoryInfo(full).ResolveLinkTarget(returnFinalTarget: true);
        Root = target is null ? full : Path.TrimEndingDirectorySeparator(target.FullName);
        StateDirectory = Path.Combine(Root, CoherentVolume.StateDirectoryName);
    }

    /// <summary>The root's real path (a root given through a symbolic link is resolved once).</summary>
    public string Root { get; }

    /// <summary><c>&lt;root&gt;/.coherence</c>.</summary>
    public string StateDirectory { get; }

    public ResolvedPath Resolve(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (path.Length == 0)
        {
            throw new UnsafePathException(path, "the path is empty");
        }

        if (path.Any(char.IsControl))
        {
            throw new UnsafePathException(path, "the path contains control characters");
        }

        if (Path.IsPathRooted(path) || path[0] is '/' or '\\' || (path.Length > 1 && path[1] == ':'))
        {
            throw new UnsafePathException(path, "absolute paths are not allowed; give a path relative to the volume root");
        }

        var segments = new List<string>();
        foreach (var segment in path.Replace('\\', '/').Split('/'))
        {
            if (segment.Length == 0 || segment == ".")
            {
                continue;
            }

            if (segment == "..")
            {
                throw new UnsafePathException(path, "'..' segments are not allowed (they can escape the root)");
            }

            segments.Add(segment);
        }

        if (segments.Count == 0)
        {
            throw new UnsafePathException(path, "the path names the root itself");
        }

        if (string.Equals(segments[0], CoherentVolume.StateDirectoryName, FileNameComparison))
        {
            throw new UnsafePathException(path, $"'{CoherentVolume.StateDirectoryName}/' holds the volume's own state");
        }

        var current = Root;
        foreach (var segment in segments)
        {
            current = Path.Combine(current, segment);
            CheckLink(path, current);
        }

        return new ResolvedPath(string.Join('/', segments), current);
    }

    /// <summary>True when <paramref name="fullPath"/> is the root or below it.</summary>
    public bool IsUnderRoot(string fullPath) => IsUnder(fullPath, Root);

    private static bool IsUnder(string fullPath, string directory)
    {
        var path = Path.TrimEndingDirectorySeparator(fullPath);
        return path.Equals(directory, FileNameComparison)
            || path.StartsWith(directory + Path.DirectorySeparatorChar, FileNameComparison);
    }

    private void CheckLink(string original, string component)
    {
        var info = new FileInfo(component);
        if (info.LinkTarget is null)
        {
            return;
        }

        // The final target of a chain of links: every hop may point anywhere, only the end matters
        // for where reads and writes land.
        var target = info.ResolveLinkTarget(returnFinalTarget: true);
        if (target is null || !IsUnder(target.FullName, Root))
        {
            throw new UnsafePathException(original, $"'{Path.GetRelativePath(Root, component)}' is a symbolic link leading out of the root");
        }

        if (IsUnder(target.FullName, StateDirectory))
        {
            throw new UnsafePathException(original, $"'{Path.GetRelativePath(Root, component)}' is a symbolic link into '{CoherentVolume.StateDirectoryName}/'");
        }
    }
}
