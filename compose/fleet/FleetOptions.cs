namespace FleetWorker;

/// <summary>The worker's own settings: the <c>Fleet</c> section of appsettings.json.</summary>
public sealed class FleetOptions
{
    /// <summary>This worker's name: its agent id, and the prefix of every line it writes. Unique in the fleet.</summary>
    public string Instance { get; set; } = Environment.MachineName;

    /// <summary>How many workers make up the fleet: each waits until this many have joined before it edits.</summary>
    public int FleetSize { get; set; } = 2;

    /// <summary>How long a worker waits for the rest of the fleet to join.</summary>
    public TimeSpan JoinTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How many shared plans the fleet edits (<c>fleet/plan-0.md</c>, <c>fleet/plan-1.md</c>, ...).</summary>
    public int Plans { get; set; } = 3;

    /// <summary>The most edits this worker makes.</summary>
    public int Edits { get; set; } = 200;

    /// <summary>The longest this worker edits; it stops after <see cref="Edits"/> edits or this long, whichever comes first.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>The pause between two edits (an agent thinking); zero for none.</summary>
    public TimeSpan Pause { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>A file that gets one line per acknowledged edit (<c>plan line</c>), for checking the plans afterwards; empty for none.</summary>
    public string? AcknowledgedLog { get; set; }

    /// <summary>The key of plan <paramref name="index"/>.</summary>
    public static string Plan(int index) => $"fleet/plan-{index}.md";

    /// <summary>The artifact every worker adds its name to when it starts.</summary>
    public const string Roster = "fleet/roster";
}
