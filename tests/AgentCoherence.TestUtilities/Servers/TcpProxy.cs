using System.Net;
using System.Net.Sockets;
using System.Text;

namespace AgentCoherence.Testing.Servers;

/// <summary>
/// A loopback TCP proxy between a client and a server that cuts connections on purpose, as the NATS
/// .NET client's tests do: <see cref="CutAll"/> resets every open connection now, and
/// <see cref="CutOnRequest"/> arms a one-shot cut at an exact point of a request/reply exchange
/// (before the request reaches the server, or after it did but before the reply reaches the client).
/// Two faults last until <see cref="Heal"/>: <see cref="LoseReplies"/> (requests run, replies vanish)
/// and <see cref="Partition"/> (nothing gets through). The proxy keeps listening, so clients can
/// reconnect through it.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener;
    private readonly string _targetHost;
    private readonly int _targetPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _gate = new();
    private readonly List<Link> _links = [];
    private readonly Task _accepting;
    private (byte[] Marker, bool Deliver)? _armed;
    private int _cuts;
    private int _lostReplies;
    private int _refused;
    private bool _losingReplies;
    private bool _partitioned;

    /// <summary>Starts a proxy on a free loopback port that forwards to <paramref name="targetHost"/>:<paramref name="targetPort"/>.</summary>
    public TcpProxy(string targetHost, int targetPort)
    {
        _targetHost = targetHost;
        _targetPort = targetPort;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync();
    }

    /// <summary>The port clients connect to.</summary>
    public int Port { get; }

    /// <summary><c>127.0.0.1:port</c>.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    /// <summary>How many times connections were cut.</summary>
    public int Cuts => Volatile.Read(ref _cuts);

    /// <summary>How many chunks of server bytes <see cref="LoseReplies"/> discarded.</summary>
    public int LostReplies => Volatile.Read(ref _lostReplies);

    /// <summary>How many connections <see cref="Partition"/> refused.</summary>
    public int RefusedConnections => Volatile.Read(ref _refused);

    /// <summary>True while a <see cref="CutOnRequest"/> is armed and has not fired yet.</summary>
    public bool Armed
    {
        get
        {
            lock (_gate)
            {
                return _armed is not null;
            }
        }
    }

    /// <summary>
    /// Arms a one-shot cut on the next client chunk that contains <paramref name="marker"/> (ASCII).
    /// With <paramref name="deliverRequest"/> false the chunk is dropped and every connection is cut
    /// (the request never ran); with true it is delivered, and the server's next reply on that
    /// connection is dropped and every connection cut (the request ran, the client never hears so).
    /// </summary>
    public void CutOnRequest(string marker, bool deliverRequest)
    {
        lock (_gate)
        {
            _armed = (Encoding.ASCII.GetBytes(marker), deliverRequest);
        }
    }

    /// <summary>
    /// From now until <see cref="Heal"/>, on every connection (open or new): the client's bytes reach the
    /// server (its requests run), the server's bytes are discarded (the client never hears). A connection
    /// that lost bytes never carries another byte to its client: it is reset at the latest by
    /// <see cref="Heal"/>, so no client ever reads a reply meant for another request.
    /// </summary>
    public void LoseReplies()
    {
        lock (_gate)
        {
            _losingReplies = true;
        }
    }

    /// <summary>Resets every open connection now and, until <see cref="Heal"/>, resets every new one on arrival.</summary>
    public void Partition()
    {
        lock (_gate)
        {
            _partitioned = true;
        }

        CutAll();
    }

    /// <summary>Ends <see cref="LoseReplies"/> and <see cref="Partition"/>, disarms a <see cref="CutOnRequest"/> that has not fired, and resets the connections that lost replies.</summary>
    public void Heal()
    {
        bool losing;
        lock (_gate)
        {
            losing = _losingReplies;
            _losingReplies = false;
            _partitioned = false;
            _armed = null;
        }

        if (losing)
        {
            CutAll();
        }
    }

    /// <summary>Resets every open connection now.</summary>
    public void CutAll()
    {
        Link[] links;
        lock (_gate)
        {
            links = [.. _links];
            _links.Clear();
        }

        Interlocked.Increment(ref _cuts);
        foreach (var link in links)
        {
            link.Close();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _listener.Stop();
        CutAll();
        try
        {
            await _accepting.ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            client.NoDelay = true;
            try
            {
                await server.ConnectAsync(_targetHost, _targetPort, _stop.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or SocketException)
            {
                client.Dispose();
                server.Dispose();
                continue;
            }

            var link = new Link(client, server);
            bool refused;
            lock (_gate)
            {
                refused = _partitioned;
                if (!refused)
                {
                    _links.Add(link);
                }
            }

            if (refused)
            {
                Interlocked.Increment(ref _refused);
                link.Close();
                continue;
            }

            _ = PumpAsync(link, toServer: true);
            _ = PumpAsync(link, toServer: false);
        }
    }

    private async Task PumpAsync(Link link, bool toServer)
    {
        var from = toServer ? link.Client : link.Server;
        var to = toServer ? link.Server : link.Client;
        var buffer = new byte[64 * 1024];
        try
        {
            while (true)
            {
                var read = await from.ReceiveAsync(buffer, SocketFlags.None).ConfigureAwait(false);
                if (read == 0)
                {
                    break;
                }

                if (toServer && Matches(buffer.AsSpan(0, read)) is { } deliver)
                {
                    if (!deliver)
                    {
                        CutAll();
                        return;
                    }

                    link.DropNextReply = true;
                }
                else if (!toServer && link.DropNextReply)
                {
                    CutAll();
                    return;
                }
                else if (!toServer && LosingReplies)
                {
                    link.LostReply = true;
                    Interlocked.Increment(ref _lostReplies);
                    continue;
                }
                else if (!toServer && link.LostReply)
                {
                    // The stream lost bytes: anything after them would answer the wrong request.
                    break;
                }

                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
        }

        link.Close();
        lock (_gate)
        {
            _links.Remove(link);
        }
    }

    private bool LosingReplies
    {
        get
        {
            lock (_gate)
            {
                return _losingReplies;
            }
        }
    }

    // The armed fault fires once: returns whether to deliver the chunk, or null when it does not match.
    private bool? Matches(ReadOnlySpan<byte> chunk)
    {
        lock (_gate)
        {
            if (_armed is not { } armed || chunk.IndexOf(armed.Marker) < 0)
            {
                return null;
            }

            _armed = null;
            return armed.Deliver;
        }
    }

    private sealed class Link(Socket client, Socket server)
    {
        private int _closed;
        private bool _dropNextReply;
        private bool _lostReply;

        public Socket Client { get; } = client;

        public Socket Server { get; } = server;

        public bool DropNextReply
        {
            get => Volatile.Read(ref _dropNextReply);
            set => Volatile.Write(ref _dropNextReply, value);
        }

        public bool LostReply
        {
            get => Volatile.Read(ref _lostReply);
            set => Volatile.Write(ref _lostReply, value);
        }

        public void Close()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 1)
            {
                return;
            }

            foreach (var socket in new[] { Client, Server })
            {
                try
                {
                    socket.LingerState = new LingerOption(true, 0);
                    socket.Close();
                }
                catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
                {
                }
            }
        }
    }
}
