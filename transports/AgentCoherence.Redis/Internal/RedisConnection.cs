using System.Globalization;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace AgentCoherence.Redis.Internal;

/// <summary>
/// How the store and the bus make and check their StackExchange.Redis connection: parsed once, connected
/// without aborting (the multiplexer keeps trying in the background), and checked at start by a PING that is
/// repeated until the server answers or the client's start timeout runs out, with the cause in words.
/// </summary>
internal static class RedisConnection
{
    /// <summary>The store's connection-string setting.</summary>
    public const string StoreSetting = "AgentCoherence:Redis:ConnectionString";

    /// <summary>The bus's own connection-string setting.</summary>
    public const string BusSetting = "AgentCoherence:Transport:Redis:ConnectionString";

    /// <summary>Null when <paramref name="connectionString"/> parses; else why not.</summary>
    public static string? ParseError(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return "it is empty";
        }

        try
        {
            var options = ConfigurationOptions.Parse(connectionString);
            return options.EndPoints.Count == 0 ? "it names no endpoint (host:port)" : null;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or NotSupportedException)
        {
            return ex.Message;
        }
    }

    /// <summary>
    /// A multiplexer for <paramref name="connectionString"/> that does not throw when the server is down: it
    /// returns after its first attempt (at most the string's <c>connectTimeout</c>) and keeps trying; the
    /// start's PING says whether and why it cannot connect.
    /// </summary>
    public static IConnectionMultiplexer Connect(string connectionString)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.AbortOnConnectFail = false;
        return ConnectionMultiplexer.Connect(options);
    }

    /// <summary>
    /// Repeats a PING (<paramref name="ping"/>) until the server answers. A refused login fails at once; an
    /// unreachable server is tried again until <paramref name="cancellationToken"/> is cancelled (once when it
    /// cannot be). Failures become <paramref name="fail"/>(cause, inner), the cause in words: what the
    /// connection reported, and why a TCP connect to the first endpoint fails.
    /// </summary>
    public static async Task WaitUntilAnswersAsync(IConnectionMultiplexer connection, Func<Task> ping, Func<string, Exception?, Exception> fail, CancellationToken cancellationToken)
    {
        string? reported = null;
        void OnFailed(object? sender, ConnectionFailedEventArgs args) =>
            reported = $"{args.FailureType}{(args.Exception is { } ex ? ": " + Innermost(ex) : string.Empty)}";

        connection.ConnectionFailed += OnFailed;
        try
        {
            var wait = TimeSpan.FromMilliseconds(100);
            while (true)
            {
                Exception? failure;
                try
                {
                    await ping().WaitAsync(cancellationToken).ConfigureAwait(false);
                    return;
                }
                catch (OperationCanceledException ex) when (cancellationToken.IsCancellationRequested)
                {
                    throw fail(await DescribeAsync(reported ?? "the server did not answer before the start timeout", connection).ConfigureAwait(false), ex);
                }
                catch (Exception ex) when (ex is RedisException or TimeoutException or SocketException)
                {
                    failure = ex;
                }

                if (IsRefusedLogin(failure))
                {
                    throw fail(failure is RedisServerException ? $"the server refused: {failure.Message}" : $"{ConnectionFailureType.AuthenticationFailure}: {Innermost(failure)}", failure);
                }

                var cause = reported ?? (failure is RedisConnectionException c ? c.FailureType.ToString() : failure.GetType().Name);
                if (!cancellationToken.CanBeCanceled)
                {
                    throw fail(await DescribeAsync(cause, connection).ConfigureAwait(false), failure);
                }

                try
                {
                    await Task.Delay(wait, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    throw fail(await DescribeAsync(cause, connection).ConfigureAwait(false), failure);
                }

                wait = TimeSpan.FromTicks(Math.Min(wait.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
            }
        }
        finally
        {
            connection.ConnectionFailed -= OnFailed;
        }
    }

    /// <summary>The endpoints as <c>host:port</c>, never the password.</summary>
    public static string Format(IEnumerable<EndPoint> endpoints)
    {
        var formatted = endpoints.Select(e => e switch
        {
            DnsEndPoint dns => dns.Host + ":" + dns.Port.ToString(CultureInfo.InvariantCulture),
            _ => e.ToString() ?? e.GetType().Name,
        }).ToList();
        return formatted.Count == 0 ? "no endpoint" : string.Join(", ", formatted);
    }

    private static bool IsRefusedLogin(Exception failure) =>
        failure is RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure }
        || (failure is RedisServerException server && (server.Message.StartsWith("NOAUTH", StringComparison.Ordinal) || server.Message.StartsWith("WRONGPASS", StringComparison.Ordinal)));

    private static string Innermost(Exception exception)
    {
        var inner = exception;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }

        var message = inner.Message;
        return message.Length <= 200 ? message : message[..197] + "...";
    }

    // StackExchange.Redis describes a connection it could not make with its own state dump, or not at all
    // when the start timeout ran out first; a short TCP connect to the first endpoint says why in words
    // (refused, unknown host, no answer). It runs after the start was cancelled, so it has its own bound.
    private static async Task<string> DescribeAsync(string cause, IConnectionMultiplexer connection)
    {
        EndPoint? endpoint;
        try
        {
            endpoint = connection.GetEndPoints().FirstOrDefault();
        }
        catch (ObjectDisposedException)
        {
            return cause;
        }

        if (endpoint is null)
        {
            return cause;
        }

        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        using var probe = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));
        try
        {
            await socket.ConnectAsync(endpoint, probe.Token).ConfigureAwait(false);
            return cause;
        }
        catch (SocketException ex)
        {
            return $"{cause} (TCP connect to {Format([endpoint])}: {ex.Message})";
        }
        catch (OperationCanceledException)
        {
            return $"{cause} (no TCP answer from {Format([endpoint])})";
        }
    }
}
