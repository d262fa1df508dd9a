using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

using AgentCoherence.Internal;

namespace AgentCoherence.Hosting;

/// <summary>
/// Runs the crash-recovery sweep every <see cref="CrashRecoveryOptions.SweepInterval"/> while the host
/// runs, unless <see cref="CrashRecoveryOptions.Enabled"/> is false. Safe to run on every host at once.
/// </summary>
internal sealed class CoherenceSweeperService(CoherenceClient client, IOptions<CoherenceOptions> options, TimeProvider time, ILogger<CoherenceSweeperService> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var recovery = options.Value.CrashRecovery;
        if (!recovery.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(recovery.SweepInterval, time);
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
        {
            try
            {
                await client.SweepAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.SweepFailed(logger, ex);
            }
        }
    }
}
