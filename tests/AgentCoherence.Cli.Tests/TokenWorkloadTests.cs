using AgentCoherence.Cli.Bench;
using AgentCoherence.Signals;

namespace AgentCoherence.Cli.Tests;

public sealed class TokenWorkloadTests
{
    [Fact]
    public async Task Planning_matches_the_reference_figures()
    {
        var r = await TokenWorkloads.RunAsync(TokenWorkloads.Planning);

        Assert.Equal(12, r.Reads);
        Assert.Equal(9, r.Hits);
        Assert.Equal(3, r.Misses);
        Assert.Equal(0.75, r.HitRate);
        Assert.Equal(4_160, r.BaselineTokens);
        Assert.Equal(1_289, r.CoherentTokensWithoutSignals);
        Assert.Equal("69.0", Percent(r.SavingsWithoutSignals));
        Assert.Equal(0, r.Signals);
        Assert.Equal(1_289, r.CoherentTokensWithSignals);
        Assert.Equal("68.7", Percent(r.ReferenceMethod.Savings));
    }

    [Fact]
    public async Task Code_review_matches_the_reference_figures()
    {
        var r = await TokenWorkloads.RunAsync(TokenWorkloads.CodeReview);

        Assert.Equal(15, r.Reads);
        Assert.Equal(9, r.Hits);
        Assert.Equal(6, r.Misses);
        Assert.Equal(0.60, r.HitRate);
        Assert.Equal(5_320, r.BaselineTokens);
        Assert.Equal(2_809, r.CoherentTokensWithoutSignals);
        Assert.Equal("47.2", Percent(r.SavingsWithoutSignals));
        Assert.Equal(0, r.Signals);

        // Recomputed with the published method (283-token wrapped size, no signals): 2,839 tokens.
        Assert.Equal(2_839, r.ReferenceMethod.CoherentTokens);
    }

    [Fact]
    public async Task High_churn_matches_the_reference_figures_and_pays_four_signals()
    {
        var r = await TokenWorkloads.RunAsync(TokenWorkloads.HighChurn);

        Assert.Equal(8, r.Reads);
        Assert.Equal(4, r.Hits);
        Assert.Equal(4, r.Misses);
        Assert.Equal(0.50, r.HitRate);
        Assert.Equal(3_250, r.BaselineTokens);
        Assert.Equal(2_254, r.CoherentTokensWithoutSignals);
        Assert.Equal("30.6", Percent(r.SavingsWithoutSignals));
        Assert.Equal("28.7", Percent(r.ReferenceMethod.Savings));

        // Each overwrite invalidates the previous writer, who sits in S: setup, a, b, c.
        Assert.Equal(4, r.SignalsPublished);
        Assert.Equal(4, r.Signals);
        Assert.InRange(r.SignalTokens, 1, 4 * SignalText.MaxTokens);
        Assert.Equal(r.CoherentTokensWithoutSignals + r.SignalTokens, r.CoherentTokensWithSignals);
        Assert.True(r.SavingsWithSignals < r.SavingsWithoutSignals);
        Assert.Equal(["setup", "a", "b", "c"], r.Agents.Where(a => a.SignalsReceived == 1).Select(a => a.Agent));
        Assert.Equal(0, r.Agents.Single(a => a.Agent == "d").SignalsReceived);
    }

    [Fact]
    public async Task Runs_are_deterministic()
    {
        var first = await TokenWorkloads.RunAllAsync();
        var second = await TokenWorkloads.RunAllAsync();

        Assert.Equal(TokenReportRenderer.ToJson(first), TokenReportRenderer.ToJson(second));
    }

    [Fact]
    public void Declared_sizes_are_what_the_counter_reports()
    {
        var counter = new DeclaredSizeTokenCounter(320);

        Assert.Equal(320, counter.CountTokens("anything at all"));
        Assert.Equal(0, counter.CountTokens(string.Empty));
    }

    private static string Percent(double fraction) => (fraction * 100).ToString("F1", System.Globalization.CultureInfo.InvariantCulture);
}
