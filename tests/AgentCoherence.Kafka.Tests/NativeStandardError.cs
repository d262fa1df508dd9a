using System.Runtime.InteropServices;

namespace AgentCoherence.Kafka.Tests;

/// <summary>
/// Captures what the process writes to file descriptor 2 while an action runs, native writes included
/// (librdkafka's default logger writes there directly, past <see cref="Console.Error"/>). Unix only.
/// </summary>
internal static partial class NativeStandardError
{
    private const int StandardError = 2;

    public static async Task<string> CaptureAsync(Func<Task> action)
    {
        var path = Path.GetTempFileName();
        try
        {
            using (var file = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite))
            {
                var saved = Dup(StandardError);
                if (saved < 0 || Dup2((int)file.SafeFileHandle.DangerousGetHandle(), StandardError) < 0)
                {
                    throw new InvalidOperationException($"Could not redirect stderr (errno {Marshal.GetLastPInvokeError()}).");
                }

                try
                {
                    await action();
                }
                finally
                {
                    Dup2(saved, StandardError);
                    Close(saved);
                }
            }

            return await File.ReadAllTextAsync(path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [LibraryImport("libc", EntryPoint = "dup", SetLastError = true)]
    private static partial int Dup(int fd);

    [LibraryImport("libc", EntryPoint = "dup2", SetLastError = true)]
    private static partial int Dup2(int oldFd, int newFd);

    [LibraryImport("libc", EntryPoint = "close", SetLastError = true)]
    private static partial int Close(int fd);
}
