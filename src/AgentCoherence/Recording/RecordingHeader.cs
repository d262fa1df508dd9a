namespace AgentCoherence.Recording;

/// <summary>The first line of every recording file: what wrote it and in which schema.</summary>
public sealed record RecordingHeader
{
    /// <summary>Always <see cref="RecordingFormat.SchemaName"/>; a file whose first line says otherwise is not a recording.</summary>
    public string Schema { get; init; } = RecordingFormat.SchemaName;

    /// <summary>The schema version the lines follow; readers refuse versions newer than <see cref="RecordingFormat.SchemaVersion"/>.</summary>
    public int Version { get; init; } = RecordingFormat.SchemaVersion;

    /// <summary>The recording process: host, process id and a random part, so files of many processes merge without clashes.</summary>
    public required string Process { get; init; }

    /// <summary>When the file was started (the client's clock).</summary>
    public DateTimeOffset Started { get; init; }

    /// <summary>The file's number in its process's rotation, from 1.</summary>
    public int Part { get; init; } = 1;

    /// <summary>Whether lines carry content (<c>Recording:IncludeContent</c>).</summary>
    public bool IncludeContent { get; init; }

    /// <summary>The client's mode when it started recording (Enforce or Observe).</summary>
    public string? Mode { get; init; }

    /// <summary>The directory store's type name.</summary>
    public string? Store { get; init; }

    /// <summary>The library version that wrote the file.</summary>
    public string? Library { get; init; }
}
