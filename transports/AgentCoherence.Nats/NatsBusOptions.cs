using NATS.Client.Core;

namespace AgentCoherence.Nats;

/// <summary>
/// Settings of the NATS signal bus, bound from <c>AgentCoherence:Transport:Nats</c>. Credentials are
/// optional; set at most one of user/password, token, or a credentials (<c>.creds</c>) file.
/// </summary>
public sealed class NatsBusOptions
{
    /// <summary>
    /// The server URL(s), comma-separated for a cluster (<c>nats://</c>, <c>tls://</c>, <c>ws://</c> or
    /// <c>wss://</c>). Required when the settings come from configuration; in code the default is
    /// <c>nats://127.0.0.1:4222</c>.
    /// </summary>
    public string Url { get; set; } = "nats://127.0.0.1:4222";

    /// <summary>The subject every process publishes to and subscribes on.</summary>
    public string Subject { get; set; } = "agentcoherence.signals";

    /// <summary>The connection name the server shows (monitoring, logs).</summary>
    public string? ConnectionName { get; set; }

    /// <summary>User name, with <see cref="Password"/>.</summary>
    public string? Username { get; set; }

    /// <summary>Password, with <see cref="Username"/>.</summary>
    public string? Password { get; set; }

    /// <summary>An authentication token.</summary>
    public string? Token { get; set; }

    /// <summary>Path of a NATS credentials file (JWT and NKey seed).</summary>
    public string? CredentialsFile { get; set; }

    /// <summary>
    /// The shortest wait between reconnect attempts (and between the first connect's attempts at start).
    /// Short, because every signal missed while down costs peers a re-validation. Not above <see cref="ReconnectWaitMax"/>.
    /// </summary>
    public TimeSpan ReconnectWaitMin { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between reconnect attempts; at most 10 minutes.</summary>
    public TimeSpan ReconnectWaitMax { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Last say over the client options (TLS, timeouts…); applied after the settings above.</summary>
    public Func<NatsOpts, NatsOpts>? ConfigureNatsOpts { get; set; }

    /// <summary>The NATS client options these settings describe.</summary>
    public NatsOpts ToNatsOpts()
    {
        var auth = NatsAuthOpts.Default with
        {
            Username = Username,
            Password = Password,
            Token = Token,
            CredsFile = CredentialsFile,
        };
        var opts = NatsOpts.Default with
        {
            Url = Url,
            Name = ConnectionName ?? "agentcoherence",
            AuthOpts = auth,
            ReconnectWaitMin = ReconnectWaitMin,
            ReconnectWaitMax = ReconnectWaitMax,
            MaxReconnectRetry = -1,

            // The bus retries the first connect itself, within the client's start timeout, so it can
            // report the cause of the last failed attempt (the client's own retry would hide it).
            RetryOnInitialConnect = false,
        };
        return ConfigureNatsOpts is null ? opts : ConfigureNatsOpts(opts);
    }
}
