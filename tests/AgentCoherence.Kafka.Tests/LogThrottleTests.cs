using AgentCoherence.Kafka.Internal;
using Microsoft.Extensions.Time.Testing;

namespace AgentCoherence.Kafka.Tests;

public sealed class LogThrottleTests
{
    [Fact]
    public void A_kind_is_let_through_once_per_window_with_the_count_held_back()
    {
        var time = new FakeTimeProvider();
        var throttle = new LogThrottle(time, TimeSpan.FromSeconds(10));

        Assert.True(throttle.Admit("producer|FAIL", out var first));
        Assert.False(throttle.Admit("producer|FAIL", out _));
        Assert.False(throttle.Admit("producer|FAIL", out _));
        Assert.True(throttle.Admit("consumer|FAIL", out _));
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(throttle.Admit("producer|FAIL", out var next));

        Assert.Equal(0, first);
        Assert.Equal(2, next);
    }
}
