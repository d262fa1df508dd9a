namespace AgentCoherence.Testing;

/// <summary>A fresh directory under the system temp directory, deleted with everything in it on dispose.</summary>
public sealed class TempDirectory : IDisposable
{
    /// <summary>Creates the directory under <c>&lt;temp&gt;/&lt;group&gt;/</c>.</summary>
    public TempDirectory(string group = "agentcoherence-tests")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), group, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A killed worker may still be closing a file; the OS temp cleaner takes the rest.
        }
    }
}
