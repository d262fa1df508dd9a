namespace AgentCoherence.PublicApi.Tests;

/// <summary>Finds the repository's root (the folder holding AgentCoherence.sln) from the test's output folder.</summary>
internal static class RepositoryRoot
{
    public static string Path { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(System.IO.Path.Combine(dir.FullName, "AgentCoherence.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No AgentCoherence.sln above {AppContext.BaseDirectory}.");
    }
}
