using System.Text;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using AgentCoherence.Protocol;

namespace AgentCoherence.Testing;

/// <summary>
/// Randomized differential test: the same seeded operation sequence is applied to the in-memory store
/// (the reference, which runs <see cref="CoherenceRules"/> directly) and to the store under test; every
/// result and every record must be identical after every step. This is what keeps a store's own
/// implementation of the rules (SQL, Lua) from drifting. Writes carry operation ids: mostly fresh,
/// sometimes none, and sometimes one the agent used before (recent enough to be recorded, or old
/// enough to have left the log of <see cref="OperationLog.KeptPerAgent"/>, or one that was refused),
/// so replays, fresh checks and the log's bound are compared too; some batches name an artifact twice. The
/// uncoordinated write of observe mode (Override, some of them deletes) is among the operations.
/// </summary>
public abstract class StoreDifferentialTests
{
    private static readonly AgentId[] Agents = [new("a1"), new("a2"), new("a3")];
    private static readonly ArtifactKey[] Keys = [new("diff", "k1"), new("diff", "k:2"), new("diff", "{k3}")];
    private static readonly SweepPolicy Policy = new(TimeSpan.FromMinutes(2), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30));

    /// <summary>How many random operations one run applies.</summary>
    protected virtual int Operations => 10_000;

    /// <summary>Creates an empty store of the kind under test on <paramref name="time"/>.</summary>
    protected abstract Task<IDirectoryStore> CreateStore(FakeTimeProvider time);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public async Task Random_operations_give_identical_results_and_states_on_the_reference_and_the_store_under_test(int seed)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var reference = new InMemoryDirectoryStore(time);
        var store = await CreateStore(time);
        try
        {
            foreach (var agent in Agents)
            {
                await reference.RegisterAgentAsync(agent);
                await store.RegisterAgentAsync(agent);
            }

            var random = new Random(seed);
            var counter = 0;
            var history = Agents.ToDictionary(a => a, _ => new List<OperationId>());

            // 70 % a fresh id, 10 % none, 20 % one of the agent's last 80 ids (some of those past the
            // log's 64, some refused and never recorded).
            OperationId NextOperation(AgentId agent)
            {
                var roll = random.Next(10);
                var used = history[agent];
                if (roll == 0)
                {
                    return default;
                }

                if (roll <= 2 && used.Count > 0)
                {
                    return used[used.Count - 1 - random.Next(Math.Min(used.Count, 80))];
                }

                var fresh = new OperationId($"op{used.Count}-{agent}");
                used.Add(fresh);
                return fresh;
            }

            for (var step = 0; step < Operations; step++)
            {
                var agent = Agents[random.Next(Agents.Length)];
                var key = Keys[random.Next(Keys.Length)];
                var version = (await reference.InspectAsync(key))?.Version ?? 0;
                var expected = Math.Max(0, version + random.Next(-2, 2));
                var payload = ContentPayload.Create(Encoding.UTF8.GetBytes($"c{++counter}"), counter % 50);
                var op = random.Next(100);
                string label;
                string left, right;
                switch (op)
                {
                    case < 20:
                        var known = random.Next(3) == 0 ? version : -1;
                        label = $"{agent} Read {key} known={known}";
                        left = Describe(await reference.ReadAsync(agent, key, known));
                        right = Describe(await store.ReadAsync(agent, key, known));
                        break;
                    case < 32:
                        var acquireOp = NextOperation(agent);
                        label = $"{agent} Acquire {key} op={acquireOp}";
                        left = Describe(await reference.AcquireAsync(agent, key, acquireOp));
                        right = Describe(await store.AcquireAsync(agent, key, acquireOp));
                        break;
                    case < 44:
                        var commitOp = NextOperation(agent);
                        label = $"{agent} Commit {key} op={commitOp}";
                        left = Describe(await reference.CommitAsync(agent, key, payload, commitOp));
                        right = Describe(await store.CommitAsync(agent, key, payload, commitOp));
                        break;
                    case < 55:
                        var overrideOp = NextOperation(agent);
                        var overrideContent = random.Next(4) == 0 ? null : payload;
                        label = $"{agent} Override {key} {(overrideContent is null ? "delete" : "content")} op={overrideOp}";
                        left = Describe(await reference.OverrideAsync(agent, key, overrideContent, overrideOp));
                        right = Describe(await store.OverrideAsync(agent, key, overrideContent, overrideOp));
                        break;
                    case < 60:
                        var casOp = NextOperation(agent);
                        label = $"{agent} CommitCas {key} expected={expected} op={casOp}";
                        left = Describe(await reference.CommitCasAsync(agent, key, payload, expected, casOp));
                        right = Describe(await store.CommitCasAsync(agent, key, payload, expected, casOp));
                        break;
                    case < 64:
                        var other = Keys[(Array.IndexOf(Keys, key) + 1) % Keys.Length];
                        var otherVersion = (await reference.InspectAsync(other))?.Version ?? 0;
                        List<BatchMember> members = [new(key, payload, expected), new(other, payload, Math.Max(0, otherVersion - random.Next(2)))];
                        if (random.Next(8) == 0)
                        {
                            members.Add(new BatchMember(key, payload, expected));
                        }

                        var batchOp = NextOperation(agent);
                        label = $"{agent} CommitAll {key}@{expected} {other}@{members[1].ExpectedVersion}{(members.Count > 2 ? $" {key} again" : string.Empty)} op={batchOp}";
                        left = await Outcome(async () => Describe(await reference.CommitAllAsync(agent, members, batchOp)));
                        right = await Outcome(async () => Describe(await store.CommitAllAsync(agent, members, batchOp)));
                        break;
                    case < 70:
                        long? deleteExpected = random.Next(2) == 0 ? null : expected;
                        var deleteOp = NextOperation(agent);
                        label = $"{agent} Delete {key} expected={deleteExpected} op={deleteOp}";
                        left = Describe(await reference.DeleteAsync(agent, key, deleteExpected, deleteOp));
                        right = Describe(await store.DeleteAsync(agent, key, deleteExpected, deleteOp));
                        break;
                    case < 78:
                        var releaseOp = NextOperation(agent);
                        label = $"{agent} Release {key} op={releaseOp}";
                        left = (await reference.ReleaseAsync(agent, key, releaseOp)).ToString();
                        right = (await store.ReleaseAsync(agent, key, releaseOp)).ToString();
                        break;
                    case < 86:
                        label = $"{agent} Heartbeat";
                        left = (await reference.HeartbeatAsync(agent))?.Reason.ToString() ?? "ok";
                        right = (await store.HeartbeatAsync(agent))?.Reason.ToString() ?? "ok";
                        break;
                    case < 92:
                        var advance = TimeSpan.FromSeconds(random.Next(0, 90));
                        time.Advance(advance);
                        label = $"Tick {advance.TotalSeconds}s";
                        left = right = "tick";
                        break;
                    case < 97:
                        label = "Sweep";
                        left = Describe(await reference.SweepAsync(Policy));
                        right = Describe(await store.SweepAsync(Policy));
                        break;
                    case < 99:
                        label = $"{agent} Forget+Register";
                        left = (await reference.ForgetAsync(agent)).ToString();
                        right = (await store.ForgetAsync(agent)).ToString();
                        await reference.RegisterAgentAsync(agent);
                        await store.RegisterAgentAsync(agent);
                        break;
                    default:
                        var ghost = new AgentId("ghost");
                        label = $"ghost CommitCas {key}";
                        left = Describe(await reference.CommitCasAsync(ghost, key, payload, expected));
                        right = Describe(await store.CommitCasAsync(ghost, key, payload, expected));
                        break;
                }

                Assert.True(left == right, $"step {step} ({label}): results differ\n reference: {left}\n store:     {right}");
                foreach (var k in Keys)
                {
                    var l = Describe(await reference.InspectAsync(k));
                    var r = Describe(await store.InspectAsync(k));
                    Assert.True(l == r, $"step {step} ({label}): record {k} differs\n reference: {l}\n store:     {r}");
                }
            }
        }
        finally
        {
            if (store is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    /// <summary>A canonical text of a record, for comparison.</summary>
    public static string Describe(DirectoryRecord? record)
    {
        if (record is null || (record.Version == 0 && record.Holders.Count == 0))
        {
            return "none";
        }

        var builder = new StringBuilder();
        builder.Append($"v{record.Version} tomb={record.IsTombstone} hash={record.ContentHash} size={record.SizeTokens} writer={record.LastWriter} at={record.CommittedAt:O} epoch={record.OwnerEpoch}");
        builder.Append(" content=").Append(record.Content is null ? "-" : Encoding.UTF8.GetString(record.Content));
        foreach (var (agent, entry) in record.Holders.OrderBy(h => h.Key.Value, StringComparer.Ordinal))
        {
            builder.Append($" | {agent}:{entry.State.Letter()} view={entry.ViewVersion} re={entry.ReadEpoch?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"} granted={entry.GrantedAt:O} reclaim={entry.LastReclaim?.TriggerName}@{entry.LastReclaim?.At:O}#{entry.LastReclaim?.Epoch}");
        }

        return builder.ToString();
    }

    private static string Describe(Refusal? refusal) => refusal is null
        ? "ok"
        : $"{refusal.Reason} cur={refusal.CurrentVersion} caller={refusal.CallerVersion} holder={refusal.Holder} since={refusal.HolderSince:O} re={refusal.ReadEpoch} oe={refusal.OwnerEpoch} reclaim={refusal.Reclaim?.TriggerName} tomb={refusal.IsTombstone}";

    private static string Describe(ReadResult result) =>
        $"{Describe(result.Refusal)} v{result.Version} epoch={result.OwnerEpoch} inc={result.ContentIncluded} content={(result.Content is null ? "-" : Encoding.UTF8.GetString(result.Content))} hash={result.ContentHash} size={result.SizeTokens} writer={result.LastWriter} at={result.CommittedAt:O}";

    private static string Describe(WriteResult result) =>
        $"{Describe(result.Refusal)} v{result.Version} signals=[{string.Join(",", result.Signals.Select(Describe))}]";

    private static string Describe(CommitAllResult result) =>
        $"[{string.Join(",", result.Refusals.Select(Describe))}] versions=[{string.Join(",", result.Versions)}] signals=[{string.Join(",", result.Signals.Select(Describe))}]";

    private static string Describe(SweepResult result) =>
        $"reclaimed=[{string.Join(",", result.Reclaimed.Select(r => $"{r.Key}/{r.Agent}/{r.Info.TriggerName}/{r.Info.Epoch}"))}] pruned={result.PrunedEntries} signals=[{string.Join(",", result.Signals.Select(Describe))}]";

    private static string Describe(InvalidationSignal s) => $"{s.Key}->{s.Recipient}:{s.Kind}@{s.NewVersion}#{s.OwnerEpoch} by {s.Issuer}";

    // A batch the rules refuse as an invalid argument must be refused the same way (type, parameter, message).
    private static async Task<string> Outcome(Func<Task<string>> call)
    {
        try
        {
            return await call();
        }
        catch (CoherenceArgumentException ex)
        {
            return $"{nameof(CoherenceArgumentException)}({ex.ParamName}): {ex.Message}";
        }
    }
}
