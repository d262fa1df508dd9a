using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AgentCoherence.Hosting;

/// <summary>
/// Creates the container's <see cref="CoherenceClient"/> when the host starts and starts it
/// (<see cref="CoherenceClient.StartAsync"/>: the store and the bus connect, the bus subscription is made),
/// so a wrong address or an unreachable server fails host start within
/// <see cref="CoherenceOptions.StartTimeout"/>, with an error that names the setting, rather than the
/// first request. The sweep timer then runs from start-up. It sweeps nothing itself: the client's timer
/// is the only sweeper.
/// </summary>
internal sealed class CoherenceClientStarter(IServiceProvider services) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        // Reading the options validates them (an invalid setting fails here, listing every problem).
        var options = services.GetRequiredService<IOptions<CoherenceOptions>>().Value;

        // Building the store and the bus may block (a client library that connects in its constructor):
        // it runs off the host's thread, bounded by the same timeout as the connect that follows.
        var creating = Task.Run(services.GetRequiredService<CoherenceClient>, cancellationToken);
        CoherenceClient client;
        try
        {
            client = await creating.WaitAsync(options.StartTimeout, services.GetService<TimeProvider>() ?? TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException ex)
        {
            throw new StoreUnavailableException(
                "Connect",
                null,
                $"Creating the store and the signal bus did not finish within {CoherenceOptions.SectionName}:StartTimeout ({options.StartTimeout}). Check their connection settings.",
                ex);
        }

        await client.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
