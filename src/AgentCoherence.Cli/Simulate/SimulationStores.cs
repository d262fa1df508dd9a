using AgentCoherence.Protocol;

namespace AgentCoherence.Cli.Simulate;

/// <summary>
/// The stores <c>coherence simulate --store</c> runs fleets on: <c>memory</c> (the simulator's own
/// <see cref="InMemoryDirectoryStore"/>, the default) or <c>sqlite</c> (a <see cref="TemporarySqliteStore"/> per run).
/// The SQLite store is wired here, not in the simulation package, so that the package does not bring SQLite's
/// native libraries to every program that simulates in memory.
/// </summary>
internal static class SimulationStores
{
    /// <summary>The names <c>--store</c> takes.</summary>
    public static IReadOnlyList<string> Names { get; } = ["memory", "sqlite"];

    /// <summary>
    /// The store named <paramref name="name"/> (case-insensitive; <c>memory</c> when null): its factory (null for the
    /// simulator's default in-memory store) and the name that goes into reproduce commands (null for memory).
    /// False when the name is not one of <see cref="Names"/>.
    /// </summary>
    public static bool TryResolve(string? name, out Func<TimeProvider, IDirectoryStore>? factory, out string? storeName)
    {
        factory = null;
        storeName = null;
        if (name is null || string.Equals(name, "memory", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        if (string.Equals(name, "sqlite", StringComparison.OrdinalIgnoreCase))
        {
            factory = TemporarySqliteStore.Create;
            storeName = "sqlite";
            return true;
        }

        return false;
    }

    /// <summary>The error line for an unknown <c>--store</c> value.</summary>
    public static string Unknown(string command, string? name) =>
        $"coherence {command}: --store: unknown store '{name}'; use {string.Join(" or ", Names)}.";
}
