namespace AgentCoherence;

/// <summary>
/// Recording (<c>AgentCoherence:Recording</c>): an append-only JSON Lines log of every operation at the client's
/// store boundary, for <c>coherence replay</c> and <c>coherence diagnose</c>. Off unless <see cref="Path"/> is set.
/// See docs/recording.md.
/// </summary>
public sealed class RecordingOptions
{
    /// <summary>The default <see cref="MaxFileBytes"/>: 64 MiB.</summary>
    public const long DefaultMaxFileBytes = 64L * 1024 * 1024;

    /// <summary>The default <see cref="MaxQueuedLines"/>: 100,000.</summary>
    public const int DefaultMaxQueuedLines = 100_000;

    /// <summary>
    /// The directory the client records into (created when missing); null or empty: no recording. Each client
    /// writes its own files, named after host, process id and a random part, so many processes can share one
    /// directory. An unwritable directory fails the client's start with <see cref="Recording.RecordingUnavailableException"/>.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>Whether lines carry the content itself (base64). Off by default: lines carry only its hash, size and tokens.</summary>
    public bool IncludeContent { get; set; }

    /// <summary>A file that would grow past this many bytes is closed and the next part started (with its own header). Default 64 MiB; must be positive.</summary>
    public long MaxFileBytes { get; set; } = DefaultMaxFileBytes;

    /// <summary>
    /// How many lines may wait for the writer (the file) at once; must be positive. Default 100,000. When the queue
    /// is full, <see cref="WhenFull"/> decides: drop the line (and record a gap) or make the agent wait.
    /// </summary>
    public int MaxQueuedLines { get; set; } = DefaultMaxQueuedLines;

    /// <summary>What happens to a line that does not fit in the queue: <see cref="RecordingOverflow.Drop"/> (default) or <see cref="RecordingOverflow.Wait"/>.</summary>
    public RecordingOverflow WhenFull { get; set; } = RecordingOverflow.Drop;
}
