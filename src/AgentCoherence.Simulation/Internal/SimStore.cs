using System.Text;
using AgentCoherence.Protocol;

namespace AgentCoherence.Simulation.Internal;

/// <summary>
/// The fleet's view of the store: every call goes through the run's fault gate (outage windows, lost
/// replies), and every write the store applies is recorded in the run's ledger and checked there (no stale
/// apply, no lost update, no double apply) before its reply leaves.
/// </summary>
internal sealed class SimStore(SimulationRun run, IDirectoryStore inner) : IDirectoryStore
{
    public bool SharedAcrossProcesses => false;

    public ValueTask RegisterAgentAsync(AgentId agent, CancellationToken cancellationToken = default)
    {
        run.Gate("Register");
        return inner.RegisterAgentAsync(agent, cancellationToken);
    }

    public ValueTask<Refusal?> HeartbeatAsync(AgentId agent, CancellationToken cancellationToken = default)
    {
        run.Gate("Heartbeat");
        return inner.HeartbeatAsync(agent, cancellationToken);
    }

    public ValueTask<ReadResult> ReadAsync(AgentId agent, ArtifactKey key, long knownVersion = -1, CancellationToken cancellationToken = default)
    {
        run.Gate("Read");
        var result = run.Await(inner.ReadAsync(agent, key, knownVersion, cancellationToken));
        run.ReadFromStore(agent, key);
        return ValueTask.FromResult(result);
    }

    public ValueTask<WriteResult> AcquireAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) =>
        Write(() => inner.AcquireAsync(agent, key, operation, cancellationToken), r => r);

    public ValueTask<WriteResult> CommitAsync(AgentId agent, ArtifactKey key, ContentPayload content, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        var before = run.Snapshot(key);
        return Write(() => inner.CommitAsync(agent, key, content, operation, cancellationToken), r =>
        {
            run.Applied(agent, key, before, r, content, underGrant: true);
            return r;
        });
    }

    public ValueTask<WriteResult> CommitCasAsync(AgentId agent, ArtifactKey key, ContentPayload content, long expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default)
    {
        var before = run.Snapshot(key);
        return Write(() => inner.CommitCasAsync(agent, key, content, expectedVersion, operation, cancellationToken), r =>
        {
            run.Applied(agent, key, before, r, content, underGrant: false);
            return r;
        });
    }

    public ValueTask<CommitAllResult> CommitAllAsync(AgentId agent, IReadOnlyList<BatchMember> members, OperationId operation = default, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The simulation's workloads do not publish batches.");

    public ValueTask<WriteResult> DeleteAsync(AgentId agent, ArtifactKey key, long? expectedVersion, OperationId operation = default, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The simulation's workloads do not delete.");

    public ValueTask<bool> ReleaseAsync(AgentId agent, ArtifactKey key, OperationId operation = default, CancellationToken cancellationToken = default) =>
        Write(() => inner.ReleaseAsync(agent, key, operation, cancellationToken), r => r);

    public ValueTask<bool> ForgetAsync(AgentId agent, CancellationToken cancellationToken = default)
    {
        run.Gate("Forget");
        return inner.ForgetAsync(agent, cancellationToken);
    }

    public async ValueTask<SweepResult> SweepAsync(SweepPolicy policy, CancellationToken cancellationToken = default)
    {
        run.Gate("Sweep");
        var result = await inner.SweepAsync(policy, cancellationToken).ConfigureAwait(false);
        run.Reclaims += result.Reclaimed.Count;
        foreach (var r in result.Reclaimed)
        {
            run.Trace?.Invoke(FormattableString.Invariant($"t{run.Tick} sweep reclaims {r.Key.Name} from {r.Agent}"));
        }

        return result;
    }

    public ValueTask<DirectoryRecord?> InspectAsync(ArtifactKey key, CancellationToken cancellationToken = default)
    {
        run.Gate("Inspect");
        return inner.InspectAsync(key, cancellationToken);
    }

    public IAsyncEnumerable<DirectoryRecord> ListRecordsAsync(CancellationToken cancellationToken = default)
    {
        run.Gate("List");
        return inner.ListRecordsAsync(cancellationToken);
    }

    // A write in an outage may be applied before its reply is lost; outside one, a reply is lost at the LostReply rate.
    private ValueTask<T> Write<T>(Func<ValueTask<T>> call, Func<T, T> applied)
    {
        var applyThenFail = false;
        if (run.InOutage)
        {
            run.StoreFailures++;
            if (run.Random.NextDouble() >= 0.5)
            {
                throw new TimeoutException("Simulated store outage: the request was lost.");
            }

            applyThenFail = true;
        }
        else if (!run.SettingUp && run.Faults.LostReply > 0 && run.Random.NextDouble() < run.Faults.LostReply)
        {
            applyThenFail = true;
        }

        var result = applied(run.Await(call()));
        if (applyThenFail)
        {
            run.Counts.RepliesLost++;
            if (!run.InOutage)
            {
                run.StoreFailures++;
            }

            throw new IOException("Simulated store fault: the write was applied and its reply lost.");
        }

        return ValueTask.FromResult(result);
    }

    internal static string Text(ContentPayload content) => Encoding.UTF8.GetString(content.Bytes);
}
