namespace AgentCoherence.Sqlite;

/// <summary>SQLite's <c>PRAGMA synchronous</c> in WAL mode: how hard each commit is pushed to disk.</summary>
public enum SqliteSynchronousMode
{
    /// <summary>
    /// Sync the WAL at checkpoints only. A process crash loses nothing acknowledged; an OS crash or
    /// power loss may roll back the last commits (the database stays consistent).
    /// </summary>
    Normal = 1,

    /// <summary>Sync the WAL on every commit: an acknowledged commit survives power loss.</summary>
    Full = 2,
}
