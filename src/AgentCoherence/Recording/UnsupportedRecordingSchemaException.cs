namespace AgentCoherence.Recording;

/// <summary>A recording written in a schema version this library does not know (newer than <see cref="RecordingFormat.SchemaVersion"/>).</summary>
public sealed class UnsupportedRecordingSchemaException : Exception
{
    /// <summary>Creates the error.</summary>
    public UnsupportedRecordingSchemaException(string path, int version)
        : base($"{path}: recording schema version {version} is not supported; this library reads versions 1 to {RecordingFormat.SchemaVersion}. Use a newer 'coherence' tool.")
    {
        Path = path;
        Version = version;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The schema version it declares.</summary>
    public int Version { get; }
}
