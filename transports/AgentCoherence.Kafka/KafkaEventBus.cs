using AgentCoherence.Kafka.Internal;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Microsoft.Extensions.Logging;
using AgentCoherence.Signals;

namespace AgentCoherence.Kafka;

/// <summary>
/// Carries signals over one Kafka topic with broadcast semantics: each process assigns itself every
/// partition of the topic by hand (no consumer group balancing, no offset commits), starting at the
/// end offsets read at start-up, so it reads every signal published after it subscribed. The
/// producer sends without waiting for the broker's acknowledgement (a signal is a hint; the commit
/// already landed). After a broker connection failure the bus reports a possible gap before it
/// dispatches anything newer, so the client re-validates its caches.
/// </summary>
public sealed class KafkaEventBus : BrokerEventBus
{
    private readonly KafkaBusOptions _options;
    private readonly CancellationTokenSource _stop = new();
    private IProducer<Null, byte[]>? _producer;
    private IConsumer<Ignore, byte[]>? _consumer;
    private Thread? _pump;
    private int _gapPending;
    private long _publishFailures;

    /// <summary>Creates the bus; it connects on first use.</summary>
    public KafkaEventBus(KafkaBusOptions options, ILogger<KafkaEventBus>? logger = null, CoherenceDiagnostics? diagnostics = null)
        : base("kafka", logger, diagnostics)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.Topic);
        ArgumentException.ThrowIfNullOrWhiteSpace(options.BootstrapServers);
        _options = options;
    }

    /// <summary>The topic signals travel on.</summary>
    public string Topic => _options.Topic;

    /// <summary>Signals the producer could not deliver (logged; peers catch up through their cache strategy).</summary>
    public long PublishFailures => Interlocked.Read(ref _publishFailures);

    /// <inheritdoc />
    public override async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        _pump?.Join();
        _consumer?.Close();
        _consumer?.Dispose();
        _producer?.Flush(TimeSpan.FromSeconds(2));
        _producer?.Dispose();
        _stop.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The next use starts over with new clients.
            _consumer?.Dispose();
            _consumer = null;
            _producer?.Dispose();
            _producer = null;
            throw;
        }
    }

    private async Task ConnectAsync(CancellationToken cancellationToken)
    {
        var config = _options.ToClientConfig();
        if (_options.CreateTopic)
        {
            await EnsureTopicAsync(config).ConfigureAwait(false);
        }

        var producerConfig = new ProducerConfig { LingerMs = _options.LingerMs, Acks = Acks.Leader };
        _producer = new ProducerBuilder<Null, byte[]>(WithProperties(producerConfig, config))
            .SetErrorHandler((_, error) => KafkaLog.ClientError(Logger, "producer", error.Code.ToString(), error.Reason))
            .Build();

        var consumerConfig = WithProperties(new ConsumerConfig { AutoOffsetReset = AutoOffsetReset.Latest, FetchWaitMaxMs = 100 }, config);

        // Broadcast rests on these, so Properties cannot change them. The group is never joined (the
        // partitions are assigned by hand), so its id only has to be unique.
        consumerConfig.GroupId = $"agentcoherence-{Guid.NewGuid():N}";
        consumerConfig.EnableAutoCommit = false;
        consumerConfig.EnableAutoOffsetStore = false;
        _consumer = new ConsumerBuilder<Ignore, byte[]>(consumerConfig)
            .SetErrorHandler((_, error) =>
            {
                KafkaLog.ClientError(Logger, "consumer", error.Code.ToString(), error.Reason);
                Volatile.Write(ref _gapPending, 1);
            })
            .Build();

        // Concrete end offsets, read now, rather than the logical "end" that would be resolved later:
        // everything published after start-up returns is at or past them.
        var deadline = DateTime.UtcNow + _options.StartTimeout;
        var partitions = await Task.Run(() => PartitionsOf(config, deadline), cancellationToken).ConfigureAwait(false);
        var start = partitions.Select(p => new TopicPartitionOffset(p, EndOffset(_consumer, p, deadline))).ToList();
        _consumer.Assign(start);
        _pump = new Thread(Pump) { IsBackground = true, Name = "agentcoherence-kafka" };
        _pump.Start();
    }

    /// <inheritdoc />
    protected override ValueTask PublishRawAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _producer!.Produce(_options.Topic, new Message<Null, byte[]> { Value = message.ToArray() }, report =>
        {
            if (report.Error.IsError)
            {
                Interlocked.Increment(ref _publishFailures);
                KafkaLog.PublishFailed(Logger, report.Error.Code.ToString(), report.Error.Reason);
            }
        });
        return ValueTask.CompletedTask;
    }

    // The bus's defaults first, then everything the settings give (Properties may override a default,
    // e.g. fetch.wait.max.ms or acks).
    private static TConfig WithProperties<TConfig>(TConfig defaults, ClientConfig settings)
        where TConfig : ClientConfig
    {
        foreach (var (key, value) in settings)
        {
            defaults.Set(key, value);
        }

        return defaults;
    }

    private static TimeSpan Remaining(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        return left > TimeSpan.FromSeconds(1) ? left : TimeSpan.FromSeconds(1);
    }

    // A partition that is still being created answers without an offset; starting from an unset
    // offset would fall back to "latest" resolved later, after signals published meanwhile.
    private static Offset EndOffset(IConsumer<Ignore, byte[]> consumer, TopicPartition partition, DateTime deadline)
    {
        while (true)
        {
            var high = consumer.QueryWatermarkOffsets(partition, Remaining(deadline)).High;
            if (high.Value >= 0)
            {
                return high;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"Kafka partition {partition} reported no end offset.");
            }

            Thread.Sleep(50);
        }
    }

    private List<TopicPartition> PartitionsOf(ClientConfig config, DateTime deadline)
    {
        using var admin = new AdminClientBuilder(config).Build();
        while (true)
        {
            var topic = admin.GetMetadata(_options.Topic, Remaining(deadline)).Topics.SingleOrDefault(t => t.Topic == _options.Topic);
            if (topic is { Error.IsError: false, Partitions.Count: > 0 } && topic.Partitions.All(p => p.Leader >= 0))
            {
                return topic.Partitions.Select(p => new TopicPartition(_options.Topic, p.PartitionId)).ToList();
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException(
                    $"Kafka topic '{_options.Topic}' is not available ({topic?.Error.Reason ?? "no metadata"}). Create it, or set CreateTopic.");
            }

            Thread.Sleep(100);
        }
    }

    private async Task EnsureTopicAsync(ClientConfig config)
    {
        using var admin = new AdminClientBuilder(config).Build();
        var existing = admin.GetMetadata(_options.Topic, _options.StartTimeout).Topics.SingleOrDefault(t => t.Topic == _options.Topic);
        if (existing is { Error.IsError: false, Partitions.Count: > 0 })
        {
            return;
        }

        try
        {
            await admin.CreateTopicsAsync(
                [new TopicSpecification { Name = _options.Topic, NumPartitions = _options.TopicPartitions, ReplicationFactor = _options.TopicReplicationFactor }],
                new CreateTopicsOptions { RequestTimeout = _options.StartTimeout, OperationTimeout = _options.StartTimeout }).ConfigureAwait(false);
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists))
        {
        }
    }

    private void Pump()
    {
        var consumer = _consumer!;
        while (!_stop.IsCancellationRequested)
        {
            ConsumeResult<Ignore, byte[]>? result;
            try
            {
                result = consumer.Consume(_stop.Token);
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (ConsumeException ex)
            {
                // A consume error (an offset reset, a partition gone) may skip messages.
                KafkaLog.ClientError(Logger, "consumer", ex.Error.Code.ToString(), ex.Error.Reason);
                Volatile.Write(ref _gapPending, 1);
                continue;
            }

            if (result?.Message is null)
            {
                continue;
            }

            if (Interlocked.Exchange(ref _gapPending, 0) == 1)
            {
                OnReconnected();
            }

            OnMessageAsync(result.Message.Value ?? []).AsTask().GetAwaiter().GetResult();
        }
    }
}
