namespace AgentCoherence.Signals;

/// <summary>
/// Implemented by buses that can lose signals while disconnected. After a reconnect they raise
/// <see cref="SignalsMayHaveBeenMissed"/>; the client then marks every local cache entry for
/// re-validation, so nothing missed during the outage is served as current.
/// </summary>
public interface ISignalGapSource
{
    /// <summary>Raised after the bus resubscribed following a connection loss.</summary>
    event EventHandler? SignalsMayHaveBeenMissed;
}
