using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;
using Spectre.Console.Cli;

namespace AgentCoherence.Cli.Commands;

/// <summary>
/// <c>coherence bench hook [--runs N]</c>: the latency of one Claude Code hook call as Claude Code pays it, a
/// whole process per call (start-up included), this CLI run as a child over a temporary repository: a managed
/// Read registered, a managed Edit checked, and an unmanaged Edit passed. Prints the median and the 90th
/// percentile of each.
/// </summary>
internal sealed class BenchHookCommand(IAnsiConsole console) : AsyncCommand<BenchHookCommand.Settings>
{
    internal sealed class Settings : CommandSettings
    {
        [CommandOption("--runs <N>")]
        [Description("Hook calls per kind (1–1000, default 30).")]
        public int Runs { get; init; } = 30;

        public override ValidationResult Validate() =>
            Runs is >= 1 and <= 1000 ? ValidationResult.Success() : ValidationResult.Error("--runs must be from 1 to 1000.");
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var repo = Directory.CreateTempSubdirectory("coherence-bench-hook-");
        try
        {
            Directory.CreateDirectory(Path.Combine(repo.FullName, "plans"));
            var plan = Path.Combine(repo.FullName, "plans", "plan.md");
            await File.WriteAllTextAsync(plan, "# Plan\n1. research\n", cancellationToken);
            var readme = Path.Combine(repo.FullName, "README.md");
            var kinds = new (string Name, string Event, string Input)[]
            {
                ("managed Read (post-tool-use)", "post-tool-use", Input(repo.FullName, "PostToolUse", "Read", plan)),
                ("managed Edit (pre-tool-use)", "pre-tool-use", Input(repo.FullName, "PreToolUse", "Edit", plan)),
                ("unmanaged Edit (pre-tool-use)", "pre-tool-use", Input(repo.FullName, "PreToolUse", "Edit", readme)),
            };

            // One untimed call creates the store, as the first call in a repository does.
            await RunHookAsync(kinds[0].Event, kinds[0].Input, cancellationToken);
            var table = new Table().Border(TableBorder.Rounded).Title($"one hook call, process start included ({settings.Runs} runs each)")
                .AddColumn("call").AddColumn(new TableColumn("median ms").RightAligned()).AddColumn(new TableColumn("p90 ms").RightAligned());
            foreach (var kind in kinds)
            {
                var times = new List<double>(settings.Runs);
                for (var i = 0; i < settings.Runs; i++)
                {
                    times.Add(await RunHookAsync(kind.Event, kind.Input, cancellationToken));
                }

                times.Sort();
                table.AddRow(kind.Name, Format(Percentile(times, 0.5)), Format(Percentile(times, 0.9)));
            }

            console.Write(table);
            return 0;
        }
        finally
        {
            repo.Delete(recursive: true);
        }
    }

    private static string Input(string repo, string eventName, string tool, string file) => JsonSerializer.Serialize(new Dictionary<string, object>
    {
        ["session_id"] = "bench-session",
        ["transcript_path"] = Path.Combine(repo, "transcript.jsonl"),
        ["cwd"] = repo,
        ["permission_mode"] = "default",
        ["hook_event_name"] = eventName,
        ["tool_name"] = tool,
        ["tool_input"] = new Dictionary<string, object> { ["file_path"] = file, ["old_string"] = "1. research", ["new_string"] = "1. research\n2. draft" },
    });

    // Runs this CLI again as Claude Code would: `coherence hook <event>`, the input on stdin. Returns milliseconds.
    private static async Task<double> RunHookAsync(string hookEvent, string input, CancellationToken cancellationToken)
    {
        var self = Environment.ProcessPath ?? throw new InvalidOperationException("The CLI's own executable is unknown.");
        var start = new ProcessStartInfo(self) { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(BenchHookCommand).Assembly.Location);
        }

        start.ArgumentList.Add("hook");
        start.ArgumentList.Add(hookEvent);
        start.Environment.Remove("CLAUDE_PROJECT_DIR");
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("The hook process did not start.");
        await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
        process.StandardInput.Close();
        var output = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var elapsed = clock.Elapsed.TotalMilliseconds;
        if (process.ExitCode != 0 || !output.TrimStart().StartsWith('{'))
        {
            throw new InvalidOperationException($"The hook call failed (exit {process.ExitCode}): {output} {await process.StandardError.ReadToEndAsync(cancellationToken)}");
        }

        return elapsed;
    }

    private static double Percentile(List<double> sorted, double p) => sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static string Format(double ms) => ms.ToString("0", CultureInfo.InvariantCulture);
}
