namespace AgentCoherence.Tests.Protocol;

/// <summary>The snake_case reason names shared by the metrics tag and the MCP tool results.</summary>
public sealed class RefusalReasonNamesTests
{
    [Fact]
    public void Every_reason_has_its_own_snake_case_name()
    {
        var names = Enum.GetValues<RefusalReason>().Select(r => r.ToSnakeCase()).ToList();

        Assert.DoesNotContain("other", names);
        Assert.Equal(names.Count, names.Distinct(StringComparer.Ordinal).Count());
        Assert.All(names, n => Assert.Matches("^[a-z]+(_[a-z]+)*$", n));
        Assert.Equal("expected_version_ahead", RefusalReason.ExpectedVersionAhead.ToSnakeCase());
        Assert.Equal("other", ((RefusalReason)99).ToSnakeCase());
    }
}
