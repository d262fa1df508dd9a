namespace AgentCoherence.Volume;

/// <summary>
/// A managed file on disk differs from the version the store recorded: someone edited, created or
/// deleted it behind the volume's back. (What a volume writer leaves when it dies between renaming the file
/// and committing is recognised by its recorded intent and put back, not reported.) The volume never
/// overwrites a foreign edit; adopt it with <see cref="CoherentVolume.AdoptAsync"/> or restore it by hand.
/// </summary>
public sealed class ForeignEditException : Exception
{
    internal ForeignEditException(string path, string? expectedHash, string? actualHash)
        : base($"'{path}' was changed outside the volume: the store recorded {Describe(expectedHash)} but the disk has {Describe(actualHash)}. "
            + "Adopt the disk's content as a new version (AdoptAsync) or restore the file, then retry.")
    {
        Path = path;
        ExpectedHash = expectedHash;
        ActualHash = actualHash;
    }

    /// <summary>The file, relative to the root.</summary>
    public string Path { get; }

    /// <summary>SHA-256 hex the store recorded; null when the store has no live version (never created, or deleted).</summary>
    public string? ExpectedHash { get; }

    /// <summary>SHA-256 hex of the file on disk; null when the file is missing.</summary>
    public string? ActualHash { get; }

    /// <summary>What the caller should do next.</summary>
    public static string Advice => "inspect the file, then adopt it (AdoptAsync) or restore it before writing again";

    private static string Describe(string? hash) => hash is null ? "no file" : $"sha256 {hash[..12]}…";
}
