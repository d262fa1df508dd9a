namespace AgentCoherence.Simulation;

/// <summary>A mean and its (population) standard deviation over runs.</summary>
/// <param name="Mean">The mean.</param>
/// <param name="Sd">The standard deviation.</param>
public readonly record struct MeanSd(double Mean, double Sd)
{
    /// <summary>The mean and standard deviation of <paramref name="values"/>, rounded to 6 decimals (0, 0 when empty).</summary>
    public static MeanSd Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var list = values.ToList();
        if (list.Count == 0)
        {
            return default;
        }

        var mean = list.Average();
        var variance = list.Sum(v => (v - mean) * (v - mean)) / list.Count;
        return new MeanSd(Math.Round(mean, 6), Math.Round(Math.Sqrt(variance), 6));
    }
}
