namespace AgentCoherence.Recording;

/// <summary>A recording file that cannot be read: missing, not a recording, or a line that is truncated or not valid JSON of the schema.</summary>
public sealed class RecordingFormatException : Exception
{
    /// <summary>Creates the error for <paramref name="path"/>, naming the line when there is one.</summary>
    public RecordingFormatException(string path, int line, string message, Exception? inner = null)
        : base(line > 0 ? $"{path}:{line}: {message}" : $"{path}: {message}", inner)
    {
        Path = path;
        Line = line;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The line number (from 1); 0 when the problem is the file itself.</summary>
    public int Line { get; }
}
