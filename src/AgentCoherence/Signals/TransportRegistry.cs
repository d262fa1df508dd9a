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
    /// <summary>The kind that keeps the in-process bus.</summary>
    internal const string InMemory = "InMemory";

    /// <summary>The kinds of the library's own transport packages.</summary>
    private static readonly string[] Shipped = ["Redis", "Nats", "Kafka", "MassTransit"];

    private static readonly ConcurrentDictionary<string, ITransportConfigurator> Registered = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Registers (or replaces) a transport kind, e.g. a custom transport.</summary>
    public static void Register(string kind, ITransportConfigurator configurator)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentNullException.ThrowIfNull(configurator);
        Registered[kind] = configurator;
    }

    /// <summary>
    /// The configurator of a kind. Throws <see cref="InvalidOperationException"/> listing the valid kinds
    /// when the kind is unknown, or naming the package to reference when it is not referenced.
    /// </summary>
    public static ITransportConfigurator Resolve(string kind)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        return TryResolve(kind, out var configurator, out var error)
            ? configurator
            : throw new InvalidOperationException(error);
    }

    /// <summary>Every kind configuration may name: in-process, the shipped transports, and the registered ones.</summary>
    internal static IReadOnlyList<string> Kinds =>
        [InMemory, .. Shipped, .. Registered.Keys.Where(k => !Shipped.Contains(k, StringComparer.OrdinalIgnoreCase)).Order(StringComparer.OrdinalIgnoreCase)];

    /// <summary>True when configuration may name <paramref name="kind"/>.</summary>
    internal static bool IsKind(string kind) => Kinds.Contains(kind, StringComparer.OrdinalIgnoreCase);

    internal static bool TryResolve(string kind, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out ITransportConfigurator? configurator, [System.Diagnostics.CodeAnalysis.NotNullWhen(false)] out string? error)
    {
        error = null;
        if (Registered.TryGetValue(kind, out configurator))
        {
            return true;
        }

        var valid = $"The valid kinds are {string.Join(", ", Kinds)} (each from its package AgentCoherence.<Kind>, or registered with TransportRegistry.Register).";
        if (!Shipped.Contains(kind, StringComparer.OrdinalIgnoreCase) && !IsSafeAssemblyName(kind))
        {
            error = $"AgentCoherence:Transport:Kind '{kind}' is not a transport kind. {valid}";
            return false;
        }

        var assemblyName = "AgentCoherence." + kind;
        Assembly assembly;
        try
        {
            assembly = Assembly.Load(new AssemblyName(assemblyName));
        }
        catch (Exception ex) when (ex is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            error = Shipped.Contains(kind, StringComparer.OrdinalIgnoreCase)
                ? $"AgentCoherence:Transport:Kind is '{kind}', but the package {assemblyName} is not referenced. Reference it, or choose another kind. {valid}"
                : $"AgentCoherence:Transport:Kind '{kind}' is not a transport kind (no package {assemblyName} is referenced, and no such kind is registered). {valid}";
            return false;
        }

        var attribute = assembly.GetCustomAttributes<AgentCoherenceTransportAttribute>()
            .FirstOrDefault(a => string.Equals(a.Kind, kind, StringComparison.OrdinalIgnoreCase));
        if (attribute is null)
        {
            error = $"AgentCoherence:Transport:Kind '{kind}': {assemblyName} declares no AgentCoherence transport of that kind. {valid}";
            return false;
        }

        configurator = Registered.GetOrAdd(kind, _ => (ITransportConfigurator)Activator.CreateInstance(attribute.Configurator, nonPublic: true)!);
        return true;
    }

    // A kind read from configuration becomes part of an assembly name; anything but a plain name is refused
    // before the loader sees it.
    private static bool IsSafeAssemblyName(string kind) => kind.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.');
}
