using System.Collections.Concurrent;
using System.Reflection;

namespace AgentCoherence.Signals;

/// <summary>
/// Maps the transport kinds named in configuration (<c>AgentCoherence:Transport:Kind</c>) to the
/// packages that implement them, without the core referencing any of them. A kind is found in this
/// order: registered here with <see cref="Register"/>; else the assembly <c>AgentCoherence.&lt;Kind&gt;</c>
/// (which the application references as a package) is loaded and its
/// <see cref="AgentCoherenceTransportAttribute"/> read. Kinds compare case-insensitively.
/// </summary>
public static class TransportRegistry
{
    private static readonly ConcurrentDictionary<string, ITransportConfigurator> Registered = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Registers (or replaces) a transport kind, e.g. a custom transport.</summary>
    public static void Register(string kind, ITransportConfigurator configurator)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(configurator);
        Registered[kind] = configurator;
    }

    /// <summary>The configurator of a kind; throws with what to reference when none is found.</summary>
    public static ITransportConfigurator Resolve(string kind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        if (Registered.TryGetValue(kind, out var known))
        {
            return known;
        }

        var assemblyName = "AgentCoherence." + kind;
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(assemblyName));
        }
        catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            throw new InvalidOperationException(
                $"AgentCoherence:Transport:Kind is '{kind}', but the package {assemblyName} is not referenced. Reference it, or register the kind with TransportRegistry.Register.", ex);
        }

        var attribute = assembly.GetCustomAttributes<AgentCoherenceTransportAttribute>()
            .FirstOrDefault(a => string.Equals(a.Kind, kind, StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException($"{assemblyName} declares no AgentCoherence transport of kind '{kind}'.");
        var configurator = (ITransportConfigurator)Activator.CreateInstance(attribute.Configurator, nonPublic: true)!;
        return Registered.GetOrAdd(kind, configurator);
    }
}
