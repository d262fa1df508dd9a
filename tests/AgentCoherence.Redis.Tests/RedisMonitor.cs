using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace AgentCoherence.Redis.Tests;

/// <summary>
/// A <c>MONITOR</c> connection over a raw socket (StackExchange.Redis has no MONITOR): every command the
/// server runs, with the commands a script or function ran inside it (source <c>lua</c>) listed after
/// the <c>EVALSHA</c> or <c>FCALL</c> that ran them, as Redis 7 reports them.
/// </summary>
internal sealed class RedisMonitor : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;
    private readonly List<MonitoredCommand> _commands = [];
    private readonly List<byte> _pending = [];

    private RedisMonitor(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    /// <summary>Opens a connection to <paramref name="host"/>:<paramref name="port"/> and sends MONITOR.</summary>
    public static async Task<RedisMonitor> StartAsync(string host, int port)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(host, port);
        var monitor = new RedisMonitor(client);
        await monitor._stream.WriteAsync("MONITOR\r\n"u8.ToArray());
        var ok = await monitor.ReadLineAsync(CancellationToken.None);
        if (ok != "+OK")
        {
            throw new InvalidOperationException($"MONITOR answered '{ok}'.");
        }

        return monitor;
    }

    /// <summary>
    /// Runs <c>ECHO marker</c> on <paramref name="database"/> and returns every command monitored up to
    /// it: the server runs commands one at a time, so everything before the marker was sent earlier.
    /// </summary>
    public async Task<IReadOnlyList<MonitoredCommand>> CollectAsync(StackExchange.Redis.IDatabaseAsync database)
    {
        var marker = "monitor-marker-" + Guid.NewGuid().ToString("N");
        await database.ExecuteAsync("ECHO", marker);
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var collected = new List<MonitoredCommand>();
        while (true)
        {
            var line = await ReadLineAsync(patience.Token);
            var command = Parse(line);
            if (command.Name.Equals("ECHO", StringComparison.OrdinalIgnoreCase) && command.Arguments is [var echoed] && echoed == marker)
            {
                return collected;
            }

            collected.Add(command);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _client.Dispose();
    }

    // One MONITOR line: +<time> [<db> <source>] "name" "arg" ... with C-style escapes inside the quotes.
    private static MonitoredCommand Parse(string line)
    {
        var open = line.IndexOf('[', StringComparison.Ordinal);
        var close = line.IndexOf(']', open);
        var source = line[(open + 1)..close].Split(' ', 2)[1];
        var words = new List<string>();
        var i = close + 1;
        while (i < line.Length)
        {
            if (line[i] != '"')
            {
                i++;
                continue;
            }

            var bytes = new List<byte>();
            i++;
            while (line[i] != '"')
            {
                if (line[i] != '\\')
                {
                    bytes.AddRange(Encoding.UTF8.GetBytes(line[i].ToString()));
                    i++;
                    continue;
                }

                var escaped = line[i + 1];
                i += 2;
                switch (escaped)
                {
                    case 'n': bytes.Add((byte)'\n'); break;
                    case 'r': bytes.Add((byte)'\r'); break;
                    case 't': bytes.Add((byte)'\t'); break;
                    case 'a': bytes.Add(7); break;
                    case 'b': bytes.Add(8); break;
                    case 'x':
                        bytes.Add(byte.Parse(line.AsSpan(i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                        i += 2;
                        break;
                    default: bytes.Add((byte)escaped); break;
                }
            }

            i++;
            words.Add(Encoding.UTF8.GetString([.. bytes]));
        }

        return new MonitoredCommand(source, words[0], words.Skip(1).ToArray());
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var buffer = new byte[64 * 1024];
        while (true)
        {
            var end = _pending.IndexOf((byte)'\n');
            if (end >= 0)
            {
                var length = end > 0 && _pending[end - 1] == '\r' ? end - 1 : end;
                var text = Encoding.UTF8.GetString([.. _pending.GetRange(0, length)]);
                _pending.RemoveRange(0, end + 1);
                return text;
            }

            var read = await _stream.ReadAsync(buffer, cancellationToken);
            if (read == 0)
            {
                throw new InvalidOperationException("The MONITOR connection closed.");
            }

            _pending.AddRange(buffer.AsSpan(0, read));
        }
    }
}

/// <summary>One monitored command: who ran it (<c>lua</c> inside a script), its name and its arguments.</summary>
internal sealed record MonitoredCommand(string Source, string Name, string[] Arguments)
{
    public bool FromScript => Source == "lua";

    public bool IsScriptCall => !FromScript && Name.ToUpperInvariant() is "EVALSHA" or "EVAL" or "FCALL";

    /// <summary>The keys a script call declared: the <c>numkeys</c> arguments after the SHA or function name.</summary>
    public string[] DeclaredKeys => Arguments[2..(2 + int.Parse(Arguments[1], CultureInfo.InvariantCulture))];

    /// <summary>
    /// The keys a command inside a script names, for the commands the store's scripts use; throws for
    /// any other, so a script that starts using a new command makes the test say so.
    /// </summary>
    public IEnumerable<string> KeysNamed() => Name.ToUpperInvariant() switch
    {
        "TIME" => [],
        "DEL" or "UNLINK" or "EXISTS" => Arguments,
        "GET" or "SET" or "HGET" or "HSET" or "HMGET" or "HGETALL" or "HEXISTS" or "HDEL" or "HSCAN" or "HLEN"
            or "SADD" or "SREM" or "SMEMBERS" or "SCARD" or "SISMEMBER" or "SRANDMEMBER" or "SSCAN" => [Arguments[0]],
        _ => throw new InvalidOperationException($"The test does not know which arguments of {Name} are keys; add it to MonitoredCommand.KeysNamed."),
    };
}
