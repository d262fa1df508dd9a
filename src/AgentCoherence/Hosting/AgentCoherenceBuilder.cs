using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using AgentCoherence.Protocol;
using AgentCoherence.Signals;

namespace AgentCoherence.Hosting;

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

    /// <summary>
    /// Replaces the signal bus with one built from its options, bound from <paramref name="section"/>:
    /// what a transport package's <c>Use…(IConfiguration)</c> calls.
    /// </summary>
    public AgentCoherenceBuilder UseEventBus<TOptions>(IConfiguration section, Func<IServiceProvider, TOptions, IEventBus> factory)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(section);
        Services.Configure<TOptions>(section);
        return UseEventBus(factory);
    }

    /// <summary>
    /// Replaces the signal bus with one built from its options, set by <paramref name="configure"/>:
    /// what a transport package's <c>Use…(Action&lt;TOptions&gt;)</c> calls.
    /// </summary>
    public AgentCoherenceBuilder UseEventBus<TOptions>(Action<TOptions> configure, Func<IServiceProvider, TOptions, IEventBus> factory)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(configure);
        Services.Configure(configure);
        return UseEventBus(factory);
    }

    private AgentCoherenceBuilder UseEventBus<TOptions>(Func<IServiceProvider, TOptions, IEventBus> factory)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(factory);
        return UseEventBus(sp => factory(sp, sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<TOptions>>().Value));
    }

    /// <summary>Uses the in-process store and bus (the defaults): one process, no servers.</summary>
    public AgentCoherenceBuilder UseInMemory()
    {
        UseStore(sp => new InMemoryDirectoryStore(sp.GetService<TimeProvider>()));
        return UseEventBus<InMemoryEventBus>();
    }

    /// <summary>
    /// Chooses the signal bus from configuration: <c>Transport:Kind</c> under
    /// <paramref name="agentCoherenceSection"/> (the <c>AgentCoherence</c> section) names the transport
    /// (<c>Redis</c>, <c>Nats</c>, <c>Kafka</c>, <c>MassTransit</c>, or one registered with
    /// <see cref="TransportRegistry.Register"/>), and that transport binds its settings from
    /// <c>Transport:&lt;Kind&gt;</c>. The transport's package must be referenced. No <c>Kind</c>, or
    /// <c>InMemory</c>, keeps the in-process bus.
    /// </summary>
    /// <example>
    /// <code>
    /// // "AgentCoherence": { "Transport": { "Kind": "Nats", "Nats": { "Url": "nats://nats:4222" } } }
    /// services.AddAgentCoherence(config.GetSection("AgentCoherence"))
    ///     .UseTransportFromConfiguration(config.GetSection("AgentCoherence"));
    /// </code>
    /// </example>
    public AgentCoherenceBuilder UseTransportFromConfiguration(IConfiguration agentCoherenceSection)
    {
        ArgumentNullException.ThrowIfNull(agentCoherenceSection);
        var transport = agentCoherenceSection.GetSection("Transport");
        var kind = transport["Kind"];
        if (string.IsNullOrWhiteSpace(kind) || string.Equals(kind, "InMemory", StringComparison.OrdinalIgnoreCase))
        {
            return this;
        }

        TransportRegistry.Resolve(kind).Configure(this, transport.GetSection(kind));
        return this;
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
