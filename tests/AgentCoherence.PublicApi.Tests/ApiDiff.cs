using System.Text;

namespace AgentCoherence.PublicApi.Tests;

/// <summary>Describes how a generated public surface differs from its listing, line by line.</summary>
internal static class ApiDiff
{
    public static string Describe(string assemblyName, string listing, string received, string expected, string actual)
    {
        var before = expected.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 1).ToList();
        var after = actual.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 1).ToList();
        var removed = Subtract(before, after);
        var added = Subtract(after, before);

        var text = new StringBuilder();
        text.AppendLine($"The public surface of {assemblyName} differs from {listing}.");
        text.AppendLine($"The generated surface was written to {received}.");
        text.AppendLine("If the change is deliberate, run: ACCEPT_API_CHANGES=1 dotnet test tests/AgentCoherence.PublicApi.Tests, and commit the listing.");
        foreach (var line in removed.Take(40))
        {
            text.AppendLine("- " + line);
        }

        foreach (var line in added.Take(40))
        {
            text.AppendLine("+ " + line);
        }

        if (removed.Count + added.Count > 80)
        {
            text.AppendLine($"… {removed.Count} lines removed and {added.Count} added in all.");
        }

        return text.ToString();
    }

    // Lines of a that b lacks, counting duplicates (an overload removed while a twin stays is still reported).
    private static List<string> Subtract(List<string> a, List<string> b)
    {
        var remaining = b.GroupBy(l => l, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        var result = new List<string>();
        foreach (var line in a)
        {
            if (remaining.TryGetValue(line, out var n) && n > 0)
            {
                remaining[line] = n - 1;
            }
            else
            {
                result.Add(line);
            }
        }

        return result;
    }
}
