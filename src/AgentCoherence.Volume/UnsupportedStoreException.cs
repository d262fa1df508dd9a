using AgentCoherence.Protocol;

namespace AgentCoherence.Volume;

/// <summary>
/// The store given in <see cref="VolumeOptions.Store"/> cannot run a side effect inside its atomic step
/// (<see cref="IAtomicEffectStore"/>), so the volume could not rename a file inside the step that checks the
/// grant and the fence: a writer whose grant was reclaimed could overwrite the new holder's file. The Redis
/// store is one (its steps are Lua scripts run by the server). Use the default SQLite store (leave
/// <see cref="VolumeOptions.Store"/> null; it covers every process on one host) or an <see cref="InMemoryDirectoryStore"/>
/// (one process).
/// </summary>
public sealed class UnsupportedStoreException : ArgumentException
{
    internal UnsupportedStoreException(Type storeType)
        : base(
            $"CoherentVolume cannot use {storeType.Name}: it does not run side effects inside its atomic steps ({nameof(IAtomicEffectStore)}), "
            + "so files could not follow the store (a reclaimed writer could overwrite the new holder's file). "
            + "Leave VolumeOptions.Store null for the default SQLite store (every process on one host), or pass an InMemoryDirectoryStore (one process).",
            "options")
    {
        StoreType = storeType;
    }

    /// <summary>The type of the store that was refused.</summary>
    public Type StoreType { get; }
}
