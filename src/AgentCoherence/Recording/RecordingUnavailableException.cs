namespace AgentCoherence.Recording;

/// <summary>A recording could not be started: its directory or file cannot be created or written.</summary>
public sealed class RecordingUnavailableException : Exception
{
    /// <summary>Creates the error naming the setting (or method) that asked for the recording and the path.</summary>
    public RecordingUnavailableException(string setting, string path, string message, Exception? inner = null)
        : base(message, inner)
    {
        Setting = setting;
        Path = path;
    }

    /// <summary>What asked for the recording: <c>AgentCoherence:Recording:Path</c> or <c>RecordTo</c>.</summary>
    public string Setting { get; }

    /// <summary>The directory.</summary>
    public string Path { get; }
}
