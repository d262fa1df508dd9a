using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using AgentCoherence.Internal;
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
    /// <remarks>The section is bound with <see cref="BindOptions{TOptions}"/>: a key that names no setting fails start.</remarks>
    public AgentCoherenceBuilder UseEventBus<TOptions>(IConfiguration section, Func<IServiceProvider, TOptions, IEventBus> factory)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(section);
        BindOptions<TOptions>(section);
        return UseEventBus(factory);
    }

    /// <summary>
    /// Binds <typeparamref name="TOptions"/> from <paramref name="section"/> and checks the section when the
    /// options are validated (at host start): a key that names no setting of <typeparamref name="TOptions"/>
    /// (nested settings included; a dictionary takes any key), or a required key that is not set, fails with
    /// an <see cref="OptionsValidationException"/> whose message names the key's full path and lists the
    /// valid names. What a store or transport package's <c>Use…(IConfiguration)</c> calls.
    /// </summary>
    /// <remarks>
    /// A misspelled key is an error rather than a warning: the binder would ignore it and the setting would
    /// silently keep its default (a server address falling back to localhost), which in production is worse
    /// than a process that does not start and says why.
    /// </remarks>
    /// <param name="section">The options' section, e.g. <c>configuration.GetSection("AgentCoherence:Transport:Nats")</c>.</param>
    /// <param name="requiredKeys">Keys the section must set, such as a server address, so a missing or misspelled section does not fall back to a default.</param>
    public AgentCoherenceBuilder BindOptions<TOptions>(IConfiguration section, params string[] requiredKeys)
        where TOptions : class
    {
        ArgumentNullException.ThrowIfNull(section);
        ArgumentNullException.ThrowIfNull(requiredKeys);
        var path = ConfigurationKeys.PathOf(section, typeof(TOptions).Name);
        Sections.Add(path);
        Services.Configure<TOptions>(section);
        Services.AddOptions<TOptions>().ValidateOnStart();
        Services.AddSingleton<IValidateOptions<TOptions>>(new ConfigurationKeysValidator<TOptions>(section, path, requiredKeys));
        return this;
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
        return UseEventBus(sp => factory(sp, sp.GetRequiredService<IOptions<TOptions>>().Value));
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
    /// <c>InMemory</c>, keeps the in-process bus (a store shared between processes then logs a warning).
    /// </summary>
    /// <remarks>
    /// An unknown kind, a kind whose package is not referenced, or a key under <c>Transport</c> that is
    /// neither <c>Kind</c> nor a kind's subsection fails validation at start (an
    /// <see cref="OptionsValidationException"/> listing the valid kinds), together with every other
    /// configuration problem.
    /// </remarks>
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
        var path = ConfigurationKeys.PathOf(transport, "Transport");
        var problems = new List<string>();
        foreach (var child in transport.GetChildren())
        {
            if (!string.Equals(child.Key, "Kind", StringComparison.OrdinalIgnoreCase) && !TransportRegistry.IsKind(child.Key))
            {
                problems.Add($"{path}:{child.Key} is neither Kind nor a transport's subsection; the keys under {path} are Kind and {string.Join(", ", TransportRegistry.Kinds)}.");
            }
        }

        var kind = transport["Kind"];
        if (!string.IsNullOrWhiteSpace(kind) && !string.Equals(kind, TransportRegistry.InMemory, StringComparison.OrdinalIgnoreCase))
        {
            if (TransportRegistry.TryResolve(kind, out var configurator, out var error))
            {
                configurator.Configure(this, transport.GetSection(kind));
            }
            else
            {
                problems.Add(error);
            }
        }

        if (problems.Count > 0)
        {
            Services.AddOptions<CoherenceOptions>().ValidateOnStart();
            Services.AddSingleton<IValidateOptions<CoherenceOptions>>(new ConfigurationProblems<CoherenceOptions>(problems));
        }

        return this;
    }

    /// <summary>The sections bound so far, shared by every builder over this service collection.</summary>
    internal ConfiguredSections Sections
    {
        get
        {
            if (Services.FirstOrDefault(d => d.ServiceType == typeof(ConfiguredSections))?.ImplementationInstance is ConfiguredSections existing)
            {
                return existing;
            }

            var sections = new ConfiguredSections();
            Services.AddSingleton(sections);
            return sections;
        }
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
