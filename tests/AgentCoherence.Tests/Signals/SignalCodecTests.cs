using AgentCoherence.Signals;

namespace AgentCoherence.Tests.Signals;

public sealed class SignalCodecTests
{
    [Theory]
    [InlineData(SignalKind.Commit)]
    [InlineData(SignalKind.Delete)]
    [InlineData(SignalKind.Reclaim)]
    public void A_signal_round_trips(SignalKind kind)
    {
        var issuer = kind == SignalKind.Reclaim ? AgentId.Sweeper : new AgentId("réviseur|1");
        var signal = new InvalidationSignal(new ArtifactKey("a:b", "plans/{x}%.md"), long.MaxValue, issuer, kind, new AgentId("planner"), long.MaxValue - 1);
        var bytes = SignalCodec.Encode(signal);
        Assert.True(SignalCodec.TryDecode(bytes, out var decoded, out var error), error);
        Assert.Equal(signal, decoded);
    }

    [Fact]
    public void A_typical_signal_is_compact_on_the_wire() =>
        Assert.InRange(SignalCodec.Encode(new InvalidationSignal(ArtifactKey.Of("plans/plan.md"), 7, new AgentId("reviewer"), SignalKind.Commit, new AgentId("planner"))).Length, 30, 60);

    [Fact]
    public void The_owner_epoch_travels_so_two_reclaims_at_one_version_stay_distinct()
    {
        var first = new InvalidationSignal(ArtifactKey.Of("doc"), 4, AgentId.Sweeper, SignalKind.Reclaim, new AgentId("zombie"), 1);
        var second = first with { OwnerEpoch = 2 };
        Assert.True(SignalCodec.TryDecode(SignalCodec.Encode(first), out var a, out _));
        Assert.True(SignalCodec.TryDecode(SignalCodec.Encode(second), out var b, out _));
        Assert.Equal(1, a!.OwnerEpoch);
        Assert.Equal(2, b!.OwnerEpoch);
        Assert.NotEqual(a, b);
    }

    [Fact]
    public void A_format_1_message_from_an_older_sender_is_read_with_epoch_0()
    {
        var current = SignalCodec.Encode(new InvalidationSignal(ArtifactKey.Of("doc"), 2, new AgentId("w"), SignalKind.Commit, new AgentId("r"), 7));
        byte[] old = [1, .. current[1..10], .. current[18..]];
        Assert.True(SignalCodec.TryDecode(old, out var signal, out var error), error);
        Assert.Equal(new InvalidationSignal(ArtifactKey.Of("doc"), 2, new AgentId("w"), SignalKind.Commit, new AgentId("r"), 0), signal);
    }

    [Fact]
    public void A_negative_owner_epoch_is_rejected()
    {
        var message = SignalCodec.Encode(new InvalidationSignal(ArtifactKey.Of("doc"), 2, new AgentId("w"), SignalKind.Commit, new AgentId("r")));
        message[10] = 0x80;
        Assert.False(SignalCodec.TryDecode(message, out _, out var error));
        Assert.Contains("epoch", error, StringComparison.Ordinal);
    }

    public static TheoryData<byte[], string> Malformed()
    {
        var valid = SignalCodec.Encode(new InvalidationSignal(ArtifactKey.Of("doc"), 2, new AgentId("w"), SignalKind.Commit, new AgentId("r")));
        var data = new TheoryData<byte[], string>
        {
            { [], "at least 16" },
            { valid[..^1], "truncated" },
            { [.. valid, 0], "trailing" },
            { new byte[SignalCodec.MaxMessageBytes + 1], "limit" },
        };
        var version = (byte[])valid.Clone();
        version[0] = 3;
        data.Add(version, "format version");
        var kind = (byte[])valid.Clone();
        kind[1] = 9;
        data.Add(kind, "kind");
        var negative = (byte[])valid.Clone();
        negative[2] = 0x80;
        data.Add(negative, "negative");
        var badUtf8 = (byte[])valid.Clone();
        badUtf8[^1] = 0xFF;
        data.Add(badUtf8, "");
        var badRecipient = SignalCodec.Encode(new InvalidationSignal(ArtifactKey.Of("doc"), 2, new AgentId("w"), SignalKind.Commit, new AgentId("r")));
        badRecipient[23] = (byte)'#';
        data.Add(badRecipient, "reserved");
        return data;
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void Malformed_messages_are_rejected_with_a_reason(byte[] message, string reason)
    {
        Assert.False(SignalCodec.TryDecode(message, out var signal, out var error));
        Assert.Null(signal);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
