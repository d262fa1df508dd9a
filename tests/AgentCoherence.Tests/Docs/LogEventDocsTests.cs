using System.Text.RegularExpressions;

namespace AgentCoherence.Tests.Docs;

/// <summary>
/// Every log event the core and the transports define has its stable id in docs/operations.md's table, and the
/// table names no id that the code does not use: operators alert on these ids.
/// </summary>
public sealed partial class LogEventDocsTests
{
    [Fact]
    public void Operations_lists_every_log_event_id_of_the_core_and_the_transports_and_no_other()
    {
        var inCode = CodeEventIds(["src/AgentCoherence", "transports"]);
        var documented = DocumentedIds(File.ReadAllText(Path.Combine(DocsRepository.Root, "docs", "operations.md")));

        Assert.True(inCode.Count > 30, $"only {inCode.Count} event ids found in code: the scan is broken");
        var problems = inCode.Keys.Except(documented).Order().Select(id => $"{id} ({inCode[id]}) is logged but not in docs/operations.md")
            .Concat(documented.Except(inCode.Keys).Select(id => $"{id} is in docs/operations.md but no code logs it"))
            .ToList();
        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
    }

    [Fact]
    public void The_scan_finds_an_undocumented_event_and_a_documented_one()
    {
        // The rules themselves, on a known input: a LoggerMessage attribute and a table row.
        Assert.Equal([4242], IdsIn("[LoggerMessage(4242, LogLevel.Warning, \"x\")]").Keys);
        Assert.Equal([3201, 3202, 3203], DocumentedIds("| id | level |\n|---|---|\n| 3201, 3202 | Warning | x |\n| 3203 | y | z |\n"));
    }

    private static Dictionary<int, string> CodeEventIds(string[] roots)
    {
        var ids = new Dictionary<int, string>();
        foreach (var root in roots)
        {
            foreach (var file in Directory.EnumerateFiles(Path.Combine(DocsRepository.Root, root), "*.cs", SearchOption.AllDirectories))
            {
                if (file.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                    || file.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
                {
                    continue;
                }

                foreach (var (id, _) in IdsIn(File.ReadAllText(file)))
                {
                    ids.TryAdd(id, Path.GetRelativePath(DocsRepository.Root, file));
                }
            }
        }

        return ids;
    }

    private static Dictionary<int, string> IdsIn(string source) =>
        EventId().Matches(source).Select(m => int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            .Distinct().ToDictionary(id => id, _ => string.Empty);

    private static List<int> DocumentedIds(string page) =>
        TableRow().Matches(page)
            .SelectMany(m => m.Groups[1].Value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            .Select(id => int.Parse(id, System.Globalization.CultureInfo.InvariantCulture))
            .Order().ToList();

    // [LoggerMessage(1001, ...)] and [LoggerMessage(EventId = 1001, ...)], and new EventId(1001, ...).
    [GeneratedRegex(@"(?:LoggerMessage\((?:EventId\s*=\s*)?|new EventId\()(\d{3,5})")]
    private static partial Regex EventId();

    [GeneratedRegex(@"(?m)^\| (\d{3,5}(?:, \d{3,5})*) \|")]
    private static partial Regex TableRow();
}
