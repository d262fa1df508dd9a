using AgentCoherence.Signals;

namespace AgentCoherence.Tests.Signals;

public sealed class BrokerEventBusStartTests
{
    [Fact]
    public async Task A_start_that_failed_is_tried_again_on_the_next_publish()
    {
        var bus = new FlakyStartBus(failures: 1);
        var signal = new InvalidationSignal(new ArtifactKey("t", "doc"), 2, new AgentId("w"), SignalKind.Commit, new AgentId("r"));

        await Assert.ThrowsAsync<InvalidOperationException>(() => bus.PublishAsync([signal]).AsTask());
        await bus.PublishAsync([signal]);

        Assert.Equal(2, bus.Starts);
        Assert.Equal(1, bus.Published);
    }

    private sealed class FlakyStartBus(int failures) : BrokerEventBus("flaky")
    {
        public int Starts { get; private set; }

        public int Published { get; private set; }

        protected override Task StartAsync(CancellationToken cancellationToken)
        {
            Starts++;
            return Starts <= failures ? Task.FromException(new InvalidOperationException("broker unreachable")) : Task.CompletedTask;
        }

        protected override ValueTask PublishRawAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            Published++;
            return ValueTask.CompletedTask;
        }
    }
}
