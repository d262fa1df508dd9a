using AgentCoherence.Protocol;

namespace AgentCoherence.Tests.Client;

public sealed class OptimisticUpdateTests
{
    private static CoherenceClient Client(int maxRetries) => CoherenceClient.CreateInMemory(new CoherenceOptions
    {
        Update = new UpdateOptions { MaxRetries = maxRetries, BaseDelay = TimeSpan.FromMilliseconds(1), MaxDelay = TimeSpan.FromMilliseconds(20) },
    });

    [Fact]
    public async Task Eight_tasks_of_500_increments_end_at_exactly_4000()
    {
        await using var coherence = Client(maxRetries: 10_000);
        var agents = Enumerable.Range(0, 8).Select(i => coherence.Agent($"worker-{i}")).ToArray();
        var versions = new System.Collections.Concurrent.ConcurrentBag<long>();

        await Task.WhenAll(agents.Select(agent => Task.Run(async () =>
        {
            for (var i = 0; i < 500; i++)
            {
                var view = await agent.UpdateAsync("counter", current => ((current is null ? 0 : int.Parse(current.Text, System.Globalization.CultureInfo.InvariantCulture)) + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
                versions.Add(view.Version);
            }
        })));

        await using var auditor = coherence.Agent("auditor");
        var final = await auditor.ReadAsync("counter");
        Assert.Equal("4000", final.Text);
        Assert.Equal(4000, final.Version);
        // Exactly one updater won each version.
        Assert.Equal(Enumerable.Range(1, 4000).Select(v => (long)v), versions.Order());
        foreach (var agent in agents)
        {
            await agent.DisposeAsync();
        }
    }

    [Fact]
    public async Task Update_creates_a_missing_artifact_from_null()
    {
        await using var coherence = Client(3);
        await using var agent = coherence.Agent("a");
        var view = await agent.UpdateAsync("fresh", current => current is null ? "created" : "updated");
        Assert.Equal("created", view.Text);
        Assert.Equal(1, view.Version);
    }

    [Fact]
    public async Task Update_retries_on_a_conflict_using_the_fresh_version()
    {
        await using var coherence = Client(3);
        await using var a = coherence.Agent("a");
        await using var b = coherence.Agent("b");
        await a.WriteAsync("doc", "1");
        await b.ReadAsync("doc");
        var calls = 0;
        var view = await b.UpdateAsync("doc", current =>
        {
            if (calls++ == 0)
            {
                // A peer commits between b's read and b's compare-and-set.
                a.WriteAsync("doc", "2").AsTask().GetAwaiter().GetResult();
            }

            return current!.Text + "+b";
        });
        Assert.Equal(2, calls);
        Assert.Equal("2+b", view.Text);
        Assert.Equal(3, view.Version);
    }

    [Fact]
    public async Task Update_gives_up_with_CasRetriesExhausted_carrying_attempts_and_last_version()
    {
        await using var coherence = Client(maxRetries: 2);
        await using var a = coherence.Agent("a");
        await using var b = coherence.Agent("b");
        await a.WriteAsync("doc", "0");
        var n = 0;
        var error = await Assert.ThrowsAsync<CasRetriesExhaustedException>(() => b.UpdateAsync("doc", current =>
        {
            a.UpdateAsync("doc", c => c!.Text + "a").AsTask().GetAwaiter().GetResult();
            n++;
            return current!.Text + "b";
        }).AsTask());
        Assert.Equal(3, error.Attempts);
        Assert.Equal(3, n);
        Assert.Equal(4, error.LastVersion);
        Assert.IsType<VersionConflictException>(error.InnerException);
    }

    [Fact]
    public async Task WriteCas_with_a_stale_expected_version_is_a_VersionConflict()
    {
        await using var coherence = Client(3);
        await using var a = coherence.Agent("a");
        await using var b = coherence.Agent("b");
        var key = coherence.Key("doc");
        await a.WriteCasAsync(key, "1", 0);
        await a.WriteCasAsync(key, "2", 1);
        var conflict = await Assert.ThrowsAsync<VersionConflictException>(() => b.WriteCasAsync(key, "x", 1).AsTask());
        Assert.Equal(1, conflict.ExpectedVersion);
        Assert.Equal(2, conflict.CurrentVersion);
    }

    [Fact]
    public async Task Publish_lands_all_members_or_none()
    {
        await using var coherence = Client(3);
        await using var a = coherence.Agent("a");
        await using var b = coherence.Agent("b");
        var plan = coherence.Key("plan");
        var notes = coherence.Key("notes");
        var views = await a.PublishAsync([new PublishItem(plan, "p1", 0), new PublishItem(notes, "n1", 0)]);
        Assert.Equal([1L, 1L], views.Select(v => v.Version));

        await a.WriteCasAsync(plan, "p2", 1);
        var refused = await Assert.ThrowsAsync<BatchConflictException>(() =>
            b.PublishAsync([new PublishItem(notes, "n2", 1), new PublishItem(plan, "stale", 1)]).AsTask());
        Assert.Null(refused.Members[0]);
        Assert.Equal(RefusalReason.VersionConflict, refused.Members[1]!.Reason);
        Assert.Equal("n1", (await b.ReadAsync(notes)).Text);
    }

    [Fact]
    public async Task A_scoped_grant_commits_several_times_and_releases_on_dispose()
    {
        await using var coherence = Client(3);
        await using var a = coherence.Agent("a");
        await using var b = coherence.Agent("b");
        var key = coherence.Key("doc");
        await using (var grant = await a.AcquireAsync(key))
        {
            await grant.CommitAsync("draft");
            await grant.CommitAsync("final");
            Assert.Equal(2, grant.Version);
            await b.ReadAsync(key);
            await Assert.ThrowsAsync<HeldByOtherException>(() => b.AcquireAsync(key).AsTask());
        }

        Assert.Equal(HolderState.Shared, (await coherence.Store.InspectAsync(key))!.Holders[a.Id].State);
        await using var grantB = await b.AcquireAsync(key);
        Assert.Equal(3, await grantB.CommitAsync("b's turn"));
    }

    [Fact]
    public async Task Concurrent_writers_through_grants_never_lose_an_update()
    {
        await using var coherence = Client(3);
        var key = coherence.Key("log");
        var agents = Enumerable.Range(0, 4).Select(i => coherence.Agent($"w{i}")).ToArray();
        await agents[0].WriteAsync(key, "");
        await Task.WhenAll(agents.Select((agent, n) => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                while (true)
                {
                    try
                    {
                        var view = await agent.ReacquireAsync(key);
                        await agent.WriteAsync(key, view.Text + $"{n}.{i};");
                        break;
                    }
                    catch (CoherenceException ex) when (ex is HeldByOtherException or StaleViewException)
                    {
                        await Task.Yield();
                    }
                }
            }
        })));

        var final = (await agents[0].ReacquireAsync(key)).Text;
        Assert.Equal(200, final.Split(';', StringSplitOptions.RemoveEmptyEntries).Distinct().Count());
        foreach (var agent in agents)
        {
            await agent.DisposeAsync();
        }
    }
}
