using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace AgentCoherence.Hosting;

/// <summary>
/// Creates the container's <see cref="CoherenceClient"/> when the host starts, so its sweep timer runs
/// (and a bad store setting or the crash-recovery warning shows) from start-up rather than from the
/// first request that asks for the client. It sweeps nothing itself: the client's timer is the only sweeper.
/// </summary>
internal sealed class CoherenceClientStarter(IServiceProvider services) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = services.GetRequiredService<CoherenceClient>();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
