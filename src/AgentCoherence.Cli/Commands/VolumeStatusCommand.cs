using System.ComponentModel;
using System.Globalization;
using AgentCoherence.Sqlite;
using AgentCoherence.Volume;
using Spectre.Console;
using Spectre.Console.Cli;
using AgentCoherence.Protocol;

namespace AgentCoherence.Cli.Commands;

/// <summary>
/// <c>coherence volume status &lt;root&gt;</c>: each managed file on disk with its version, holders and
/// grant, read from the volume's store without joining as an agent.
/// </summary>
internal sealed class VolumeStatusCommand(IAnsiConsole console) : AsyncCommand<VolumeStatusCommand.Settings>
{
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
        await using var store = new SqliteDirectoryStore(new SqliteStoreOptions { Path = database });
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"volume [blue]{Markup.Escape(settings.Root)}[/]")
            .AddColumn("file").AddColumn("version").AddColumn("sha256").AddColumn("last writer").AddColumn("holders").AddColumn("grant");
        foreach (var file in CoherentVolume.ListManagedFiles(settings.Root, globs))
        {
            var record = await store.InspectAsync(new ArtifactKey(CoherentVolume.Namespace, file), cancellationToken);
            if (record is null)
            {
                table.AddRow(Markup.Escape(file), "[grey]untracked[/]", "", "", "", "");
                continue;
            }

            var holders = string.Join(", ", record.Holders.OrderBy(h => h.Key.ToString(), StringComparer.Ordinal).Select(h => $"{h.Key}:{h.Value.State.Letter()}"));
            var grant = record.GrantHolder is { } holder
                ? $"{holder} since {record.Holders[holder].GrantedAt?.ToString("HH:mm:ss", CultureInfo.InvariantCulture)}"
                : "-";
            table.AddRow(
                Markup.Escape(file),
                "v" + record.Version.ToString(CultureInfo.InvariantCulture) + (record.IsTombstone ? " (deleted)" : ""),
                record.ContentHash is { } hash ? hash[..12] : "-",
                Markup.Escape(record.LastWriter?.ToString() ?? "-"),
                Markup.Escape(holders),
                Markup.Escape(grant));
        }

        console.Write(table);
        return 0;
    }
}
