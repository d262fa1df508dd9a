using System.ComponentModel;
using System.Globalization;
using AgentCoherence.Volume;
using Spectre.Console;
using Spectre.Console.Cli;
using AgentCoherence.Protocol;

namespace AgentCoherence.Cli.Commands;

/// <summary>
/// <c>coherence volume status &lt;root&gt;</c>: each managed file on disk with its version, holders and
/// grant, read through the volume's public status API (<see cref="CoherentVolume.InspectAsync"/>) without joining as an agent.
/// </summary>
internal sealed class VolumeStatusCommand(IAnsiConsole console) : AsyncCommand<VolumeStatusCommand.Settings>
{
    /// <summary>The agent id of the inspecting volume; it never registers with the store, so it meets no real agent.</summary>
    private const string StatusAgent = "coherence-volume-status";

    internal sealed class Settings : CommandSettings
    {
        [CommandArgument(0, "<root>")]
        [Description("The volume's root directory.")]
        public string Root { get; init; } = "";

        [CommandOption("--managed <GLOB>")]
        [Description("A managed glob; repeat for several (default **/*).")]
        public string[] Managed { get; init; } = [];

        public override ValidationResult Validate() =>
            Directory.Exists(Root) ? ValidationResult.Success() : ValidationResult.Error($"The root '{Root}' does not exist.");
    }

    public override async Task<int> ExecuteAsync(CommandContext context, Settings settings, CancellationToken cancellationToken)
    {
        var database = CoherentVolume.DefaultDatabasePath(settings.Root);
        if (!File.Exists(database))
        {
            console.MarkupLine($"[red]No volume at '{Markup.Escape(settings.Root)}'[/] ({Markup.Escape(database)} does not exist).");
            return 1;
        }

        var globs = settings.Managed.Length > 0 ? settings.Managed : ["**/*"];

        // The volume only inspects: its agent never joins the store, and it runs no sweep of its own.
        var options = new VolumeOptions { Managed = globs, Coherence = new CoherenceOptions { CrashRecovery = { Enabled = false } } };
        await using var volume = await CoherentVolume.OpenAsync(settings.Root, StatusAgent, options, cancellationToken);
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"volume [blue]{Markup.Escape(settings.Root)}[/]")
            .AddColumn("file").AddColumn("version").AddColumn("sha256").AddColumn("last writer").AddColumn("holders").AddColumn("grant");
        foreach (var file in volume.ManagedFiles())
        {
            var status = await volume.InspectAsync(file, cancellationToken);
            if (!status.IsTracked)
            {
                table.AddRow(Markup.Escape(file), "[grey]untracked[/]", "", "", "", "");
                continue;
            }

            var holders = string.Join(", ", status.Holders.Select(h => $"{h.Agent}:{h.State.Letter()}"));
            var grant = status.GrantHolder is { } holder
                ? $"{holder} since {status.HolderOf(holder)?.GrantedAt?.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}"
                : "-";
            table.AddRow(
                Markup.Escape(file),
                "v" + status.Version.ToString(CultureInfo.InvariantCulture) + (status.IsDeleted ? " (deleted)" : ""),
                status.ContentHash is { } hash ? hash[..12] : "-",
                Markup.Escape(status.LastWriter?.ToString() ?? "-"),
                Markup.Escape(holders),
                Markup.Escape(grant));
        }

        console.Write(table);
        return 0;
    }
}
