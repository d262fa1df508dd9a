using AgentCoherence.Signals;

namespace AgentCoherence.Testing;

/// <summary>
/// A broker inside the test process, for checking <see cref="BrokerEventBus"/> and the transport
/// conformance suite themselves: every connection receives every message published while it is up;
/// <see cref="CutAll"/> drops the connections (messages published while down are lost) and they
/// reconnect on the next publish or poll.
/// </summary>
public sealed class LoopbackBroker
{
    private readonly Lock _gate = new();
    private readonly List<Connection> _connections = [];

    /// <summary>Opens a bus over a new connection.</summary>
    public BrokerEventBus Connect() => new Connection(this);

    /// <summary>Publishes raw bytes to every live connection.</summary>
    public async Task PublishRawAsync(byte[] message)
    {
        Connection[] targets;
        lock (_gate)
        {
            targets = _connections.Where(c => c.Up).ToArray();
        }

        foreach (var target in targets)
        {
            await target.DeliverAsync(message);
        }
    }

    /// <summary>Drops every connection; each reconnects (and reports the gap) when next used.</summary>
    public void CutAll()
    {
        lock (_gate)
        {
            foreach (var connection in _connections)
            {
                connection.Up = false;
            }
        }
    }

    private sealed class Connection : BrokerEventBus
    {
        private readonly LoopbackBroker _broker;

        public Connection(LoopbackBroker broker)
            : base("loopback")
        {
            _broker = broker;
        }

        public bool Up { get; set; }

        public ValueTask DeliverAsync(byte[] message) => OnMessageAsync(message);

        protected override Task StartAsync(CancellationToken cancellationToken)
        {
            lock (_broker._gate)
            {
                _broker._connections.Add(this);
                Up = true;
            }

            _ = KeepAliveAsync();
            return Task.CompletedTask;
        }

        protected override async ValueTask PublishRawAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
        {
            Reconnect();
            await _broker.PublishRawAsync(message.ToArray());
        }

        // Stands in for a client library's reconnect loop.
        private async Task KeepAliveAsync()
        {
            while (true)
            {
                await Task.Delay(50);
                Reconnect();
            }
        }

        private void Reconnect()
        {
            bool reconnected;
            lock (_broker._gate)
            {
                reconnected = !Up;
                Up = true;
            }

            if (reconnected)
            {
                OnReconnected();
            }
        }
    }
}
