namespace AgentCoherence.Recording;

/// <summary>One recording file as read: its header and its lines in file order.</summary>
/// <param name="Path">The file.</param>
/// <param name="Header">Its first line.</param>
/// <param name="Entries">Every other line, each with <see cref="RecordingEntry.Process"/>, <see cref="RecordingEntry.File"/> and <see cref="RecordingEntry.Line"/> set.</param>
public sealed record RecordingFile(string Path, RecordingHeader Header, IReadOnlyList<RecordingEntry> Entries);
