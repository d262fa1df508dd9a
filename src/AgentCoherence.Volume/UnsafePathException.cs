namespace AgentCoherence.Volume;

/// <summary>
/// A path the volume refuses to touch: it escapes the root (<c>..</c>, an absolute path, a symbolic
/// link leading out of the root) or points into the volume's own state directory <c>.coherence/</c>.
/// </summary>
public sealed class UnsafePathException : Exception
{
    internal UnsafePathException(string path, string reason)
        : base($"Refused path '{path}': {reason}.")
    {
        Path = path;
        Reason = reason;
    }

    /// <summary>The path as the caller gave it.</summary>
    public string Path { get; }

    /// <summary>Why it was refused.</summary>
    public string Reason { get; }
}
