using Microsoft.Data.Sqlite;

namespace AgentCoherence.Sqlite.Internal;

/// <summary>Creates the database file with owner-only permissions before SQLite ever opens it.</summary>
internal static class DatabaseFile
{
    private const UnixFileMode FileMode0600 = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode DirectoryMode0700 = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>True when the data source names a file on disk this code can prepare (not memory, not a URI).</summary>
    public static bool IsPlainFile(SqliteConnectionStringBuilder builder) =>
        builder.Mode != SqliteOpenMode.Memory
        && !string.IsNullOrEmpty(builder.DataSource)
        && builder.DataSource != ":memory:"
        && !builder.DataSource.StartsWith("file:", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Creates the directory (0700) and an empty file (0600) unless they exist. SQLite gives the
    /// <c>-wal</c> and <c>-shm</c> files the database file's mode, so creating the file first is
    /// what keeps all three private: SQLite itself would create it 0644 under the usual umask.
    /// </summary>
    /// <returns>The full path.</returns>
    public static string Prepare(string path)
    {
        var full = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(directory) && !Directory.Exists(directory))
        {
            if (OperatingSystem.IsWindows())
            {
                Directory.CreateDirectory(directory);
            }
            else
            {
                Directory.CreateDirectory(directory, DirectoryMode0700);
            }
        }

        if (File.Exists(full))
        {
            return full;
        }

        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.ReadWrite };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = FileMode0600;
        }

        try
        {
            using var created = new FileStream(full, options);
        }
        catch (IOException) when (File.Exists(full))
        {
            // Another process created it between the check and the create; its mode is its own.
        }

        return full;
    }
}
