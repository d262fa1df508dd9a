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
    private static readonly TimeSpan StepLimit = TimeSpan.FromMilliseconds(500);
    private readonly KafkaBusOptions _options;
    private readonly LogThrottle _throttle = new(TimeProvider.System, LogThrottle.DefaultWindow);
    private readonly CancellationTokenSource _stop = new();
    private IProducer<Null, byte[]>? _producer;
    private IConsumer<Ignore, byte[]>? _consumer;
    private Thread? _pump;
    private int _gapPending;
    private long _publishFailures;
    private volatile string? _lastError;

    /// <summary>Creates the bus; it connects when the client starts (or on first use).</summary>
    /// <exception cref="Microsoft.Extensions.Options.OptionsValidationException">A setting is invalid; the message names it.</exception>
    /// <remarks>librdkafka's own log goes to <paramref name="logger"/> (event 3203) at the matching level, never to stderr.</remarks>
    public KafkaEventBus(KafkaBusOptions options, ILogger<KafkaEventBus>? logger = null, CoherenceDiagnostics? diagnostics = null)
        : base("kafka", logger, diagnostics)
    {
        KafkaBusOptionsValidator.ThrowIfInvalid(options);
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
    /// <remarks>
    /// Waits for the brokers until <see cref="KafkaBusOptions.StartTimeout"/> or <paramref name="cancellationToken"/>
    /// (the client's start timeout), whichever comes first, then throws <see cref="TransportUnavailableException"/>
    /// naming <c>AgentCoherence:Transport:Kafka:BootstrapServers</c>, the servers and librdkafka's last error.
    /// </remarks>
    protected override async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await Task.Run(() => ConnectClients(cancellationToken), CancellationToken.None).ConfigureAwait(false);
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

        KafkaLog.Connected(Logger, _options.BootstrapServers, _options.Topic);
    }

    private void ConnectClients(CancellationToken cancellationToken)
    {
        _lastError = null;
        var config = _options.ToClientConfig();
        var deadline = DateTime.UtcNow + _options.StartTimeout;
        if (_options.CreateTopic)
        {
            EnsureTopic(config, deadline, cancellationToken);
        }

        var producerConfig = new ProducerConfig { LingerMs = _options.LingerMs, Acks = Acks.Leader };
        _producer = new ProducerBuilder<Null, byte[]>(WithProperties(producerConfig, config))
            .SetLogHandler((_, message) => OnLog(message))
            .SetErrorHandler((_, error) => OnError("producer", error))
            .Build();

        var consumerConfig = WithProperties(new ConsumerConfig { AutoOffsetReset = AutoOffsetReset.Latest, FetchWaitMaxMs = 100 }, config);

        // Broadcast rests on these, so Properties cannot change them. The group is never joined (the
        // partitions are assigned by hand), so its id only has to be unique.
        consumerConfig.GroupId = $"agentcoherence-{Guid.NewGuid():N}";
        consumerConfig.EnableAutoCommit = false;
        consumerConfig.EnableAutoOffsetStore = false;
        _consumer = new ConsumerBuilder<Ignore, byte[]>(consumerConfig)
            .SetLogHandler((_, message) => OnLog(message))
            .SetErrorHandler((_, error) =>
            {
                OnError("consumer", error);
                Volatile.Write(ref _gapPending, 1);
            })
            .Build();

        // Concrete end offsets, read now, rather than the logical "end" that would be resolved later:
        // everything published after start-up returns is at or past them.
        var partitions = PartitionsOf(config, deadline, cancellationToken);
        var start = partitions.Select(p => new TopicPartitionOffset(p, EndOffset(_consumer, p, deadline, cancellationToken))).ToList();
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

    // Each wait on the brokers is short, so a cancelled start stops promptly and reports the last error.
    private static TimeSpan Step(DateTime deadline)
    {
        var left = deadline - DateTime.UtcNow;
        return left < TimeSpan.FromMilliseconds(100) ? TimeSpan.FromMilliseconds(100) : left > StepLimit ? StepLimit : left;
    }

    // A partition that is still being created answers without an offset; starting from an unset
    // offset would fall back to "latest" resolved later, after signals published meanwhile.
    private Offset EndOffset(IConsumer<Ignore, byte[]> consumer, TopicPartition partition, DateTime deadline, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                var high = consumer.QueryWatermarkOffsets(partition, Step(deadline)).High;
                if (high.Value >= 0)
                {
                    return high;
                }

                _lastError = $"partition {partition} reported no end offset";
            }
            catch (KafkaException ex)
            {
                _lastError = ex.Error.Reason;
            }

            WaitOrGiveUp(deadline, TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }

    private List<TopicPartition> PartitionsOf(ClientConfig config, DateTime deadline, CancellationToken cancellationToken)
    {
        using var admin = Admin(config);
        while (true)
        {
            var topic = Metadata(admin, deadline);
            if (topic is { Error.IsError: false, Partitions.Count: > 0 } && topic.Partitions.All(p => p.Leader >= 0))
            {
                return topic.Partitions.Select(p => new TopicPartition(_options.Topic, p.PartitionId)).ToList();
            }

            if (topic is not null && _lastError is null)
            {
                _lastError = $"the topic '{_options.Topic}' ({KafkaBusOptionsValidator.Section}:Topic) is not available ({(topic.Error.IsError ? topic.Error.Reason : "no partition leader")}); create it, or set CreateTopic";
            }

            WaitOrGiveUp(deadline, TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    private void EnsureTopic(ClientConfig config, DateTime deadline, CancellationToken cancellationToken)
    {
        using var admin = Admin(config);
        TopicMetadata? existing;
        while ((existing = Metadata(admin, deadline)) is null)
        {
            WaitOrGiveUp(deadline, TimeSpan.FromMilliseconds(100), cancellationToken);
        }

        if (existing is { Error.IsError: false, Partitions.Count: > 0 })
        {
            return;
        }

        try
        {
            var remaining = deadline - DateTime.UtcNow;
            admin.CreateTopicsAsync(
                [new TopicSpecification { Name = _options.Topic, NumPartitions = _options.TopicPartitions, ReplicationFactor = _options.TopicReplicationFactor }],
                new CreateTopicsOptions { RequestTimeout = Step(deadline), OperationTimeout = remaining > TimeSpan.Zero ? remaining : TimeSpan.FromSeconds(1) })
                .WaitAsync(cancellationToken).GetAwaiter().GetResult();
        }
        catch (CreateTopicsException ex) when (ex.Results.All(r => r.Error.Code == ErrorCode.TopicAlreadyExists))
        {
        }
        catch (CreateTopicsException ex)
        {
            throw Unavailable($"creating the topic '{_options.Topic}' failed: {string.Join("; ", ex.Results.Select(r => r.Error.Reason))}", ex);
        }
        catch (KafkaException ex)
        {
            throw Unavailable($"creating the topic '{_options.Topic}' failed: {ex.Error.Reason}", ex);
        }
        catch (OperationCanceledException ex)
        {
            throw Unavailable(_lastError ?? "the start timeout ran out while the topic was being created", ex);
        }
    }

    /// <summary>The topic's metadata, or null when the brokers did not answer (the reason kept in <see cref="_lastError"/>).</summary>
    private TopicMetadata? Metadata(IAdminClient admin, DateTime deadline)
    {
        try
        {
            return admin.GetMetadata(_options.Topic, Step(deadline)).Topics.SingleOrDefault(t => t.Topic == _options.Topic);
        }
        catch (KafkaException ex)
        {
            _lastError ??= ex.Error.Reason;
            return null;
        }
    }

    private IAdminClient Admin(ClientConfig config) =>
        new AdminClientBuilder(config)
            .SetLogHandler((_, message) => OnLog(message))
            .SetErrorHandler((_, error) => OnError("admin", error))
            .Build();

    private void WaitOrGiveUp(DateTime deadline, TimeSpan pause, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested || DateTime.UtcNow > deadline)
        {
            throw Unavailable(_lastError ?? "the brokers did not answer", null);
        }

        cancellationToken.WaitHandle.WaitOne(pause);
        if (cancellationToken.IsCancellationRequested)
        {
            throw Unavailable(_lastError ?? "the brokers did not answer", null);
        }
    }

    private TransportUnavailableException Unavailable(string cause, Exception? inner) =>
        new("Connect", $"The Kafka signal bus could not start against {_options.BootstrapServers} ({KafkaBusOptionsValidator.Section}:BootstrapServers): {cause}.", inner);

    private void OnLog(LogMessage message)
    {
        var level = (LogLevel)message.LevelAs(LogLevelType.MicrosoftExtensionsLogging);
        if (_throttle.Admit($"{message.Name}|{message.Facility}|{level}", out var held))
        {
            KafkaLog.Librdkafka(Logger, level, message.Name, message.Facility, message.Message, Held(held));
        }
    }

    private void OnError(string client, Error error)
    {
        // "All brokers are down" follows the error that says why; keep the one that says why.
        if (error.Code != ErrorCode.Local_AllBrokersDown || _lastError is null)
        {
            _lastError = error.Reason;
        }

        if (_throttle.Admit($"{client}|{error.Code}", out var held))
        {
            KafkaLog.ClientError(Logger, client, error.Code.ToString(), error.Reason, Held(held));
        }
    }

    private static string Held(int held) =>
        held == 0 ? string.Empty : $" ({held} more like it in the last {LogThrottle.DefaultWindow.TotalSeconds:0} s not logged)";

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
                KafkaLog.ClientError(Logger, "consumer", ex.Error.Code.ToString(), ex.Error.Reason, string.Empty);
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
