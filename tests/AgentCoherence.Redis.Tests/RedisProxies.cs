using System.Net;
using AgentCoherence.Testing.Servers;
using StackExchange.Redis;

namespace AgentCoherence.Redis.Tests;

/// <summary>Putting a <see cref="TcpProxy"/> between a client and the test Redis.</summary>
internal static class RedisProxies
{
    /// <summary>A proxy on a free loopback port that forwards to the server of <paramref name="connectionString"/>.</summary>
    public static TcpProxy To(string connectionString)
    {
        var endpoint = ConfigurationOptions.Parse(connectionString).EndPoints[0];
        return endpoint switch
        {
            IPEndPoint ip => new TcpProxy(ip.Address.ToString(), ip.Port),
            DnsEndPoint dns => new TcpProxy(dns.Host, dns.Port),
            _ => throw new InvalidOperationException($"Unsupported endpoint {endpoint}."),
        };
    }

    /// <summary>The configuration of <paramref name="connectionString"/> with the proxy as its only endpoint, never aborting on a failed connect.</summary>
    public static ConfigurationOptions Through(string connectionString, TcpProxy proxy)
    {
        var options = ConfigurationOptions.Parse(connectionString);
        options.EndPoints.Clear();
        options.EndPoints.Add(IPAddress.Loopback, proxy.Port);
        options.AbortOnConnectFail = false;
        return options;
    }

    /// <summary>
    /// What the proxy looks for in a request to recognise one script: the SHA-1 that EVALSHA sends, or
    /// the function name that FCALL sends followed by the end of its RESP bulk string (so that
    /// <c>commit</c> does not also match <c>commit_cas</c>).
    /// </summary>
    public static string Marker(RedisScripts.Script script, RedisScriptMode mode) =>
        mode == RedisScriptMode.Eval ? Convert.ToHexStringLower(script.Sha) : script.FunctionName + "\r\n";
}
