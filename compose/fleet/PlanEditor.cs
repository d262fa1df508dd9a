using System.Diagnostics;
using AgentCoherence;
using Microsoft.Extensions.Options;

namespace FleetWorker;

/// <summary>
/// One worker of the fleet. It joins the roster, waits until the whole fleet has joined, then appends
/// lines <c>&lt;instance&gt;:&lt;n&gt;</c> (n = 1, 2, ...) to the shared plans, line n to plan n mod
/// <see cref="FleetOptions.Plans"/>, until it has made <see cref="FleetOptions.Edits"/> edits or
/// <see cref="FleetOptions.Duration"/> has passed. Then it leaves and stops the application.
/// </summary>
public sealed class PlanEditor(
    CoherenceClient client,
    IOptions<FleetOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<PlanEditor> logger) : BackgroundService
{
    private readonly FleetOptions _fleet = options.Value;

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            // One agent per worker: it registers with the store, sends heartbeats while it lives, and on
            // dispose releases what it holds. Were this process killed, the sweep would reclaim it.
            await using var agent = client.Agent(_fleet.Instance);
            var signals = 0;
            agent.SignalReceived += (_, _) => Interlocked.Increment(ref signals);

            await JoinAsync(agent, stoppingToken);

            await using var acknowledged = OpenAcknowledgedLog();
            var started = Stopwatch.GetTimestamp();
            var edits = 0;
            while (edits < _fleet.Edits && Stopwatch.GetElapsedTime(started) < _fleet.Duration)
            {
                edits++;
                var plan = FleetOptions.Plan(edits % _fleet.Plans);
                var line = $"{_fleet.Instance}:{edits}";
                await AppendAsync(agent, plan, line, stoppingToken);

                // Only now is the edit acknowledged: it is in the store, exactly once.
                if (acknowledged is not null)
                {
                    await acknowledged.WriteLineAsync($"{plan} {line}");
                }

                if (_fleet.Pause > TimeSpan.Zero)
                {
                    await Task.Delay(_fleet.Pause, stoppingToken);
                }
            }

            logger.LogInformation("{Instance} made {Edits} edits in {Seconds:F1} s; {Signals} invalidation signals reached it from the fleet",
                _fleet.Instance, edits, Stopwatch.GetElapsedTime(started).TotalSeconds, signals);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // The host is stopping (Ctrl+C, docker stop): every acknowledged edit is already in the store.
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "{Instance} failed: {Message}", _fleet.Instance, ex.Message);
            Environment.ExitCode = 1;
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    /// <summary>
    /// Appends <paramref name="line"/> to <paramref name="plan"/>, exactly once, however the store answers.
    /// </summary>
    private async Task AppendAsync(CoherentAgent agent, string plan, string line, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                // Read, append, compare-and-set. When another worker committed first (VersionConflict), or
                // this agent's copy was stale, UpdateAsync reads again and retries (AgentCoherence:Update).
                // The function may run several times, so it only computes the new text.
                await agent.UpdateAsync(plan, current => (current?.Text ?? "") + line + "\n", cancellationToken);
                return;
            }
            catch (CasRetriesExhaustedException ex)
            {
                // Every retry lost to another writer: the plan is busy. Nothing landed; try again.
                logger.LogDebug("{Plan} is contended ({Attempts} attempts); trying again", plan, ex.Attempts);
            }
            catch (OutcomeUnknownException unknown)
            {
                // The write was sent but its answer was lost: it landed once or not at all. Ask the store,
                // resending it with the same operation id (it never applies twice), until it answers.
                if (await ResolveAsync(agent, unknown, cancellationToken))
                {
                    return;
                }
            }
            catch (StoreUnavailableException ex)
            {
                // The store could not be reached and the write was never sent: wait, then try again.
                logger.LogWarning("The store is unavailable ({Message}); retrying {Plan}", ex.Message, plan);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    /// <summary>True when the write behind <paramref name="unknown"/> landed; false when it never did.</summary>
    private async Task<bool> ResolveAsync(CoherentAgent agent, OutcomeUnknownException unknown, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await agent.ResolveAsync(unknown, cancellationToken);
            }
            catch (OutcomeUnknownException)
            {
                logger.LogWarning("The outcome of operation {Operation} is still unknown; asking again", unknown.OperationId);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
    }

    /// <summary>
    /// Adds this worker to the roster and waits until <see cref="FleetOptions.FleetSize"/> workers are on it.
    /// </summary>
    /// <remarks>
    /// The wait reads the roster through the agent's cache, which serves the copy it holds until an
    /// invalidation signal says another worker changed it. So the fleet starts only when signals cross
    /// processes: with no shared bus (an in-process one), each worker would wait here until the timeout.
    /// </remarks>
    private async Task JoinAsync(CoherentAgent agent, CancellationToken cancellationToken)
    {
        var joined = await agent.UpdateAsync(FleetOptions.Roster, current =>
            Names(current).Contains(_fleet.Instance) ? current!.Text : (current?.Text ?? "") + _fleet.Instance + "\n", cancellationToken);
        logger.LogInformation("{Instance} joined the roster (version {Version}); waiting for {FleetSize} workers",
            _fleet.Instance, joined.Version, _fleet.FleetSize);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_fleet.JoinTimeout);
        var roster = joined;
        try
        {
            while (Names(roster).Count < _fleet.FleetSize)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
                roster = await agent.ReadAsync(FleetOptions.Roster, timeout.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException(
                $"Only {Names(roster).Count} of {_fleet.FleetSize} workers joined within {_fleet.JoinTimeout} ({string.Join(", ", Names(roster))}). " +
                "Are the others running, on the same store (AgentCoherence:Redis) and the same bus (AgentCoherence:Transport)?");
        }

        logger.LogInformation("The fleet is complete: {Workers}", string.Join(", ", Names(roster)));
    }

    private static HashSet<string> Names(ArtifactView? roster) =>
        (roster?.Text ?? "").Split('\n', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal);

    private StreamWriter? OpenAcknowledgedLog() =>
        string.IsNullOrEmpty(_fleet.AcknowledgedLog) ? null : new StreamWriter(_fleet.AcknowledgedLog, append: true) { AutoFlush = true };
}
