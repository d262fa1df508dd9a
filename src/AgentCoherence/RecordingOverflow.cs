namespace AgentCoherence;

/// <summary>
/// What a recording does when its queue of lines waiting for the writer holds
/// <see cref="RecordingOptions.MaxQueuedLines"/> (the disk is slower than the agents). See docs/recording.md.
/// </summary>
public enum RecordingOverflow
{
    /// <summary>
    /// The default: a line that does not fit is dropped and counted (metric <c>coherence.recording.dropped</c>, one
    /// Warning per overflow episode), and the recording gets a <see cref="Recording.RecordingOperation.Gap"/> line
    /// saying how many lines are missing. Observability never slows the fleet.
    /// </summary>
    Drop,

    /// <summary>
    /// An agent operation waits for room in the queue before it calls the store (honouring its cancellation token),
    /// so nothing is lost; the fleet runs at the speed of the disk.
    /// </summary>
    Wait,
}
