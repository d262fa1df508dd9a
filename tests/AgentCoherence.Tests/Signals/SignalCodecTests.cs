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
        var signal = new InvalidationSignal(new ArtifactKey("a:b", "plans/{x}%.md"), long.MaxValue, issuer, kind, new AgentId("planner"));
        var bytes = SignalCodec.Encode(signal);
        Assert.True(SignalCodec.TryDecode(bytes, out var decoded, out var error), error);
        Assert.Equal(signal, decoded);
    }

    [Fact]
    public void A_typical_signal_is_compact_on_the_wire() =>
        Assert.InRange(SignalCodec.Encode(new InvalidationSignal(ArtifactKey.Of("plans/plan.md"), 7, new AgentId("reviewer"), SignalKind.Commit, new AgentId("planner"))).Length, 30, 60);

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
        version[0] = 2;
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
        badRecipient[15] = (byte)'#';
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
