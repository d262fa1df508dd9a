using AgentCoherence.Protocol;
using AgentCoherence.Tests.Client;

namespace AgentCoherence.Tests.Stores;

/// <summary>A store written before the listings existed still compiles, and says plainly that it cannot list.</summary>
public sealed class StoreListingDefaultTests
{
    [Fact]
    public void A_store_that_does_not_list_says_so_by_name()
    {
        IDirectoryStore store = new StepOnlyStore(new InMemoryDirectoryStore());

        var records = Assert.Throws<NotSupportedException>(() => store.ListRecordsAsync());
        var agents = Assert.Throws<NotSupportedException>(() => store.ListAgentsAsync());

        Assert.Equal("StepOnlyStore cannot list its records.", records.Message);
        Assert.Equal("StepOnlyStore cannot list its agents.", agents.Message);
    }
}
