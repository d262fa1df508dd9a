using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace AgentCoherence.Nats.Internal;

/// <summary>How the bus words NATS addresses and failures in its messages.</summary>
internal static partial class NatsText
{
    /// <summary>The URL(s) with any <c>user:password@</c> replaced, so messages and logs carry no secret.</summary>
    public static string Redact(string text) => UserInfo().Replace(text, "://***@");

    /// <summary>An exception's message and its causes', distinct ones only, redacted.</summary>
    public static string Describe(Exception exception)
    {
        var parts = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            var message = e.Message.Trim().TrimEnd('.');
            if (message.Length > 0 && !parts.Any(p => p.Contains(message, StringComparison.Ordinal)))
            {
                parts.Add(message);
            }
        }

        return Redact(string.Join(": ", parts));
    }

    /// <summary>
    /// Why a TCP connection to the first server cannot be made (refused, unknown host, no answer), or null
    /// when one can: the NATS client reports a failed connect without its cause.
    /// </summary>
    public static async Task<string?> ProbeAsync(string urls, CancellationToken cancellationToken)
    {
        if (!Uri.TryCreate(urls.Split(',', StringSplitOptions.TrimEntries)[0], UriKind.Absolute, out var uri))
        {
            return null;
        }

        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        probe.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            await socket.ConnectAsync(uri.Host, uri.Port > 0 ? uri.Port : 4222, probe.Token).ConfigureAwait(false);
            return null;
        }
        catch (SocketException ex)
        {
            return $"TCP connect to {uri.Host}:{(uri.Port > 0 ? uri.Port : 4222)}: {ex.Message}";
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return $"no TCP answer from {uri.Host}:{(uri.Port > 0 ? uri.Port : 4222)} within 2 s";
        }
    }

    [GeneratedRegex(@"://[^/@\s,]+@")]
    private static partial Regex UserInfo();
}
