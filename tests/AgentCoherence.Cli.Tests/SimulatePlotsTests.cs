using System.Text.Json;
using System.Text.RegularExpressions;
using System.Xml.Linq;
using AgentCoherence.Cli.Simulate;
using AgentCoherence.Testing;

namespace AgentCoherence.Cli.Tests;

/// <summary><c>coherence simulate sweep … --out DIR</c>: a PNG and an SVG per sweep and for the paper comparison, the JSON, and the page.</summary>
public sealed class SimulatePlotsTests
{
    private static readonly string[] Strategies = ["Lazy", "Eager", "Lease", "AccessCount", "Broadcast"];
    private static readonly string[] PaperLegends = ["paper (± its sd)", "ours (paper's accounting)", "ours, refused-write re-reads left out", "ours (full accounting)"];

    [Fact]
    public async Task Sweep_all_with_out_writes_a_png_and_an_svg_for_every_sweep_and_the_paper_with_every_curve_and_the_bound()
    {
        using var temp = new TempDirectory();
        var directory = temp.File("report");

        var (exit, output, errors) = await StatusCommandTests.Run(null, "simulate", "sweep", "all", "--seeds", "1", "--out", directory);

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);
        Assert.Contains("12 files written to", output, StringComparison.Ordinal);
        foreach (var sweep in new[] { "volatility", "agents", "artifact-size", "signal-loss" })
        {
            AssertPng(Path.Combine(directory, sweep + ".png"));
            Assert.Equal([.. Strategies, SimulationPlots.BoundLegend], Legends(Path.Combine(directory, sweep + ".svg")));
        }

        AssertPng(Path.Combine(directory, "paper.png"));
        Assert.Equal([.. PaperLegends, SimulationPlots.BoundLegend], Legends(Path.Combine(directory, "paper.svg")));

        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(directory, "simulation.json")));
        Assert.Equal(5, json.RootElement.GetProperty("paper").GetProperty("rows").GetArrayLength());
        Assert.Equal(["volatility", "agents", "artifact-size", "signal-loss"], json.RootElement.GetProperty("sweeps").EnumerateArray().Select(s => s.GetProperty("name").GetString()));
        Assert.True(File.Exists(Path.Combine(directory, "simulation.html")));
    }

    [Fact]
    public async Task A_chart_has_one_curve_per_strategy_asked_for()
    {
        using var temp = new TempDirectory();

        var (exit, _, errors) = await StatusCommandTests.Run(null, "simulate", "sweep", "agents", "--seeds", "1", "--strategy", "eager,lazy", "--out", temp.Path);

        Assert.Equal(0, exit);
        Assert.Equal(string.Empty, errors);
        Assert.Equal(["Eager", "Lazy", SimulationPlots.BoundLegend], Legends(temp.File("agents.svg")));
        Assert.False(File.Exists(temp.File("volatility.svg")));
        // The paper comparison runs lazy whenever lazy is among the strategies.
        using var json = JsonDocument.Parse(await File.ReadAllTextAsync(temp.File("simulation.json")));
        Assert.Equal("Lazy", json.RootElement.GetProperty("paper").GetProperty("strategy").GetString());
    }

    [Fact]
    public async Task The_same_seeds_write_the_same_numbers_and_the_same_images()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();

        Assert.Equal(0, (await StatusCommandTests.Run(null, "simulate", "sweep", "signal-loss", "--seeds", "2", "--strategy", "lazy", "--out", first.Path)).Exit);
        Assert.Equal(0, (await StatusCommandTests.Run(null, "simulate", "sweep", "signal-loss", "--seeds", "2", "--strategy", "lazy", "--out", second.Path)).Exit);

        foreach (var file in new[] { "simulation.json", "signal-loss.png", "paper.png" })
        {
            Assert.Equal(await File.ReadAllBytesAsync(first.File(file)), await File.ReadAllBytesAsync(second.File(file)));
        }

        // In one process the SVG element ids are numbered process-wide (ScottPlot's SVG canvas, the page's charts), so
        // a second report differs in its ids only; in separate processes (the CLI) the bytes are the same.
        foreach (var file in new[] { "signal-loss.svg", "paper.svg", "simulation.html" })
        {
            Assert.Equal(WithoutIds(await File.ReadAllTextAsync(first.File(file))), WithoutIds(await File.ReadAllTextAsync(second.File(file))));
        }
    }

    [Fact]
    public async Task An_out_path_that_is_a_file_exits_1_naming_it()
    {
        using var temp = new TempDirectory();
        var file = temp.File("taken");
        await File.WriteAllTextAsync(file, "not a directory");

        var (exit, _, errors) = await StatusCommandTests.Run(null, "simulate", "sweep", "agents", "--seeds", "1", "--strategy", "lazy", "--out", file);

        Assert.Equal(1, exit);
        Assert.Contains($"--out {file}: the report cannot be written", errors, StringComparison.Ordinal);
    }

    /// <summary>The texts of a chart's legend: the SVG's text elements that name a curve (axis ticks and titles left out).</summary>
    internal static List<string> Legends(string svgFile)
    {
        var document = XDocument.Load(svgFile); // throws unless the SVG is well-formed XML
        Assert.Equal("svg", document.Root!.Name.LocalName);
        var known = Strategies.Concat(PaperLegends).Append(SimulationPlots.BoundLegend).ToHashSet(StringComparer.Ordinal);
        return document.Descendants().Where(e => e.Name.LocalName == "text").Select(e => e.Value.Trim()).Where(known.Contains).ToList();
    }

    /// <summary>Every element id renamed to its order of first appearance (and the references to it), so two documents compare by structure.</summary>
    private static string WithoutIds(string document)
    {
        var ids = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (Match match in Regex.Matches(document, "id=\"([^\"]+)\""))
        {
            ids.TryAdd(match.Groups[1].Value, $"id{ids.Count}");
        }

        Assert.NotEmpty(ids);
        return Regex.Replace(document, "(id=\"|#)([A-Za-z0-9_\\-]+)", m => ids.TryGetValue(m.Groups[2].Value, out var renamed) ? m.Groups[1].Value + renamed : m.Value);
    }

    private static void AssertPng(string file)
    {
        var bytes = File.ReadAllBytes(file);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.True(bytes.Length > 10_000, $"{file} is {bytes.Length} bytes");
    }
}
