using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AgentCoherence;

/// <summary>
/// Returned by <c>AddAgentCoherence</c>; store and transport packages add their <c>Use…</c> methods
/// to it (for example <c>.UseRedis(...)</c>).
/// </summary>
public sealed class AgentCoherenceBuilder
{
    internal AgentCoherenceBuilder(IServiceCollection services)
    {
        Services = services;
    }

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }

    /// <summary>Replaces the directory store.</summary>
    public AgentCoherenceBuilder UseStore<TStore>()
        where TStore : class, IDirectoryStore
    {
        Services.RemoveAll<IDirectoryStore>();
        Services.AddSingleton<IDirectoryStore, TStore>();
        return this;
    }

    /// <summary>Replaces the directory store with one built from the container.</summary>
    public AgentCoherenceBuilder UseStore(Func<IServiceProvider, IDirectoryStore> factory)
    {
        Services.RemoveAll<IDirectoryStore>();
        Services.AddSingleton(factory);
        return this;
    }

    /// <summary>Replaces the signal bus.</summary>
    public AgentCoherenceBuilder UseEventBus<TBus>()
        where TBus : class, IEventBus
    {
        Services.RemoveAll<IEventBus>();
        Services.AddSingleton<IEventBus, TBus>();
        return this;
    }

    /// <summary>Replaces the signal bus with one built from the container.</summary>
    public AgentCoherenceBuilder UseEventBus(Func<IServiceProvider, IEventBus> factory)
    {
        Services.RemoveAll<IEventBus>();
        Services.AddSingleton(factory);
        return this;
    }

    /// <summary>Uses the in-process store and bus (the defaults): one process, no servers.</summary>
    public AgentCoherenceBuilder UseInMemory()
    {
        UseStore(sp => new InMemoryDirectoryStore(sp.GetService<TimeProvider>()));
        return UseEventBus<InMemoryEventBus>();
    }

    /// <summary>Replaces the content token counter (the default is <c>o200k_base</c>).</summary>
    public AgentCoherenceBuilder UseTokenCounter(ITokenCounter counter)
    {
        ArgumentNullException.ThrowIfNull(counter);
        Services.RemoveAll<ITokenCounter>();
        Services.AddSingleton(counter);
        return this;
    }
}
