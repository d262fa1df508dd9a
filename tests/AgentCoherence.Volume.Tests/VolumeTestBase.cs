namespace AgentCoherence.Volume.Tests;

/// <summary>A temporary workspace with <c>plans/**</c> and <c>memory/*.json</c> managed.</summary>
public abstract class VolumeTestBase : IDisposable
{
    internal TempDirectory Workspace { get; } = new();

    internal static VolumeOptions Options() => new() { Managed = ["plans/**", "memory/*.json"] };

    internal ValueTask<CoherentVolume> Open(string agent) => CoherentVolume.OpenAsync(Workspace.Path, agent, Options());

    internal string Disk(string relative) => File.ReadAllText(Workspace.File(relative));

    public void Dispose()
    {
        Workspace.Dispose();
        GC.SuppressFinalize(this);
    }
}
