using Microsoft.Data.Sqlite;
using AgentCoherence.Protocol;

namespace AgentCoherence.Sqlite.Internal;

/// <summary>
/// Maps the tables of <see cref="SqliteSchema"/> to and from a <see cref="LoadedState"/>: loads the
/// records, holder entries, heartbeats and recorded operation an operation touches, and writes back
/// the rows the rules changed and the operations they recorded. Commands are prepared once per
/// connection. The protocol itself is not here: it is <see cref="CoherenceRules"/>, applied by <see cref="SqliteDirectoryStore"/> between load and save.
/// </summary>
internal sealed class DirectoryTables : IDisposable
{
    /// <summary>
    /// A write's lookup: one probe of the primary key for the operation, and one of operations_by_seq for
    /// the agent's newest sequence number (which the save numbers the next one from). Always one row.
    /// </summary>
    internal const string SelectOperationSql =
        """
        SELECT newest.seq, op.versions, op.signals
        FROM (SELECT coalesce(max(seq), 0) AS seq FROM operations WHERE agent = $a) AS newest
        LEFT JOIN operations AS op ON op.agent = $a AND op.operation_id = $o
        """;

    /// <summary>What fell KeptPerAgent behind the newest: the oldest row, or nothing (a range of operations_by_seq).</summary>
    internal const string TrimOperationsSql = "DELETE FROM operations WHERE agent = $a AND seq <= $oldest";

    private const string RecordColumns = "version, is_tombstone, content_hash, size_tokens, last_writer, committed_at, owner_epoch";

    private readonly List<SqliteCommand> _all = [];
    private readonly SqliteCommand _selectRecord;
    private readonly SqliteCommand _selectRecordWithContent;
    private readonly SqliteCommand _selectRecordForRead;
    private readonly SqliteCommand _selectHolders;
    private readonly SqliteCommand _selectAgent;
    private readonly SqliteCommand _keysOfAgent;
    private readonly SqliteCommand _sweepKeys;
    private readonly SqliteCommand _sweepKeysWithPrune;
    private readonly SqliteCommand _recordKeysAfter;
    private readonly SqliteCommand _agentsAfter;
    private readonly SqliteCommand _insertRecord;
    private readonly SqliteCommand _updateRecord;
    private readonly SqliteCommand _updateRecordMetadata;
    private readonly SqliteCommand _upsertHolder;
    private readonly SqliteCommand _deleteHolder;
    private readonly SqliteCommand _upsertAgent;
    private readonly SqliteCommand _deleteAgent;
    private readonly SqliteCommand _selectOperation;
    private readonly SqliteCommand _insertOperation;
    private readonly SqliteCommand _trimOperations;
    private readonly SqliteCommand _deleteOperations;
    private readonly OperationJson _json = new();

    public DirectoryTables(SqliteConnection connection)
    {
        SqliteCommand Prepare(string sql, params string[] parameters)
        {
            var command = connection.CreateCommand();
            command.CommandText = sql;
            foreach (var name in parameters)
            {
                command.Parameters.Add(new SqliteParameter(name, null));
            }

            command.Prepare();
            _all.Add(command);
            return command;
        }

        _selectRecord = Prepare($"SELECT {RecordColumns} FROM records WHERE store_key = $k", "$k");
        _selectRecordWithContent = Prepare($"SELECT {RecordColumns}, content FROM records WHERE store_key = $k", "$k");

        // A re-validation (the caller already has the current version) moves no content off disk.
        _selectRecordForRead = Prepare(
            $"SELECT {RecordColumns}, CASE WHEN version = $known THEN NULL ELSE content END FROM records WHERE store_key = $k", "$k", "$known");
        _selectHolders = Prepare(
            "SELECT agent, state, view_version, read_epoch, granted_at, reclaim_trigger, reclaim_at, reclaim_epoch FROM holders WHERE store_key = $k ORDER BY agent",
            "$k");
        _selectAgent = Prepare("SELECT heartbeat FROM agents WHERE agent = $a", "$a");
        _keysOfAgent = Prepare("SELECT store_key FROM holders WHERE agent = $a", "$a");

        // The sweep only needs records where it can act: a granted holder (maybe to reclaim), or an
        // entry of an agent silent past the prune threshold (maybe to drop). Every entry belongs to a
        // registered agent (the rules refuse unknown agents, and Forget drops the agent's entries with
        // it), so the join finds every prunable entry. The rules decide; this is only a superset.
        _sweepKeys = Prepare("SELECT store_key FROM holders WHERE state >= 2");
        _sweepKeysWithPrune = Prepare(
            """
            SELECT store_key FROM holders WHERE state >= 2
            UNION
            SELECT h.store_key FROM agents a JOIN holders h ON h.agent = a.agent WHERE a.heartbeat <= $before
            """,
            "$before");

        // Listings page by key (keyset pagination on the primary keys): each page is one short read.
        _recordKeysAfter = Prepare("SELECT store_key FROM records WHERE store_key > $after ORDER BY store_key LIMIT $n", "$after", "$n");
        _agentsAfter = Prepare("SELECT agent, heartbeat FROM agents WHERE agent > $after ORDER BY agent LIMIT $n", "$after", "$n");

        _insertRecord = Prepare(
            $"INSERT INTO records (store_key, {RecordColumns}, content) VALUES ($k, $v, $t, $h, $s, $w, $at, $e, $c)",
            "$k", "$v", "$t", "$h", "$s", "$w", "$at", "$e", "$c");
        _updateRecord = Prepare(
            "UPDATE records SET version = $v, is_tombstone = $t, content_hash = $h, size_tokens = $s, last_writer = $w, committed_at = $at, owner_epoch = $e, content = $c WHERE store_key = $k",
            "$k", "$v", "$t", "$h", "$s", "$w", "$at", "$e", "$c");
        _updateRecordMetadata = Prepare(
            "UPDATE records SET version = $v, is_tombstone = $t, content_hash = $h, size_tokens = $s, last_writer = $w, committed_at = $at, owner_epoch = $e WHERE store_key = $k",
            "$k", "$v", "$t", "$h", "$s", "$w", "$at", "$e");
        _upsertHolder = Prepare(
            """
            INSERT INTO holders (store_key, agent, state, view_version, read_epoch, granted_at, reclaim_trigger, reclaim_at, reclaim_epoch)
            VALUES ($k, $a, $st, $vv, $re, $g, $rt, $ra, $rep)
            ON CONFLICT (store_key, agent) DO UPDATE SET
                state = excluded.state, view_version = excluded.view_version, read_epoch = excluded.read_epoch,
                granted_at = excluded.granted_at, reclaim_trigger = excluded.reclaim_trigger,
                reclaim_at = excluded.reclaim_at, reclaim_epoch = excluded.reclaim_epoch
            """,
            "$k", "$a", "$st", "$vv", "$re", "$g", "$rt", "$ra", "$rep");
        _deleteHolder = Prepare("DELETE FROM holders WHERE store_key = $k AND agent = $a", "$k", "$a");
        _upsertAgent = Prepare(
            "INSERT INTO agents (agent, heartbeat) VALUES ($a, $hb) ON CONFLICT (agent) DO UPDATE SET heartbeat = excluded.heartbeat",
            "$a", "$hb");
        _deleteAgent = Prepare("DELETE FROM agents WHERE agent = $a", "$a");

        _selectOperation = Prepare(SelectOperationSql, "$a", "$o");
        _insertOperation = Prepare(
            "INSERT INTO operations (agent, operation_id, seq, versions, signals) VALUES ($a, $o, $seq, $v, $s)",
            "$a", "$o", "$seq", "$v", "$s");
        _trimOperations = Prepare(TrimOperationsSql, "$a", "$oldest");
        _deleteOperations = Prepare("DELETE FROM operations WHERE agent = $a", "$a");
    }

    /// <summary>How a record's content is loaded.</summary>
    public enum Content
    {
        /// <summary>Not at all: writes replace it, sweeps and grants never look at it.</summary>
        None,

        /// <summary>Always (Inspect).</summary>
        All,

        /// <summary>Unless the stored version equals the caller's known version (Read).</summary>
        UnlessKnown,
    }

    /// <summary>Loads a record and its holder entries (once per operation).</summary>
    public void LoadRecord(LoadedState state, ArtifactKey key, Content content = Content.None, long knownVersion = -1)
    {
        if (state.HasKey(key))
        {
            return;
        }

        var command = content switch
        {
            Content.All => _selectRecordWithContent,
            Content.UnlessKnown => _selectRecordForRead,
            _ => _selectRecord,
        };
        command.Parameters[0].Value = key.StoreKey;
        if (content == Content.UnlessKnown)
        {
            command.Parameters[1].Value = knownVersion;
        }

        DirectoryRecord? record = null;
        using (var reader = command.ExecuteReader())
        {
            if (reader.Read())
            {
                record = new DirectoryRecord(key)
                {
                    Version = reader.GetInt64(0),
                    IsTombstone = reader.GetInt64(1) != 0,
                    ContentHash = reader.IsDBNull(2) ? null : reader.GetString(2),
                    SizeTokens = reader.GetInt32(3),
                    LastWriter = reader.IsDBNull(4) ? (AgentId?)null : new AgentId(reader.GetString(4)),
                    CommittedAt = ReadTime(reader, 5),
                    OwnerEpoch = reader.GetInt64(6),
                    Content = content != Content.None && !reader.IsDBNull(7) ? (byte[])reader.GetValue(7) : null,
                };
            }
        }

        if (record is not null)
        {
            _selectHolders.Parameters[0].Value = key.StoreKey;
            using var reader = _selectHolders.ExecuteReader();
            while (reader.Read())
            {
                record.Holders[new AgentId(reader.GetString(0))] = new HolderEntry
                {
                    State = (HolderState)reader.GetInt32(1),
                    ViewVersion = reader.GetInt64(2),
                    ReadEpoch = reader.IsDBNull(3) ? null : reader.GetInt64(3),
                    GrantedAt = ReadTime(reader, 4),
                    LastReclaim = reader.IsDBNull(5)
                        ? null
                        : new ReclaimInfo((ReclaimTrigger)reader.GetInt32(5), ReadTime(reader, 6)!.Value, reader.GetInt64(7)),
                };
            }
        }

        state.AddRecord(key, record);
    }

    /// <summary>Loads an agent's heartbeat (once per operation).</summary>
    public void LoadAgent(LoadedState state, AgentId agent)
    {
        if (state.HasAgent(agent))
        {
            return;
        }

        _selectAgent.Parameters[0].Value = agent.Value;
        var heartbeat = _selectAgent.ExecuteScalar() is long ticks ? FromTicks(ticks) : (DateTimeOffset?)null;
        state.AddAgent(agent, heartbeat);
    }

    /// <summary>
    /// Loads the agent's recorded operation <paramref name="operation"/>, when it applied one with that id,
    /// into the state's <see cref="OperationLog"/> (where the rules look it up before anything else), and
    /// the sequence number of the agent's newest recorded operation (for saving the next one).
    /// </summary>
    public void LoadOperation(LoadedState state, AgentId agent, OperationId operation)
    {
        if (operation.IsNone)
        {
            return;
        }

        _selectOperation.Parameters[0].Value = agent.Value;
        _selectOperation.Parameters[1].Value = operation.Value;
        using var reader = _selectOperation.ExecuteReader();
        reader.Read();
        state.AddNewestOperation(agent, reader.GetInt64(0));
        if (!reader.IsDBNull(1))
        {
            state.State.Operations.Load(agent, OperationJson.Parse(operation, reader.GetString(1), reader.GetString(2)));
        }
    }

    /// <summary>The keys of every record holding an entry of <paramref name="agent"/>.</summary>
    public List<ArtifactKey> KeysOf(AgentId agent)
    {
        _keysOfAgent.Parameters[0].Value = agent.Value;
        return ReadKeys(_keysOfAgent);
    }

    /// <summary>The keys of every record the sweep may act on under <paramref name="policy"/> at <paramref name="now"/>.</summary>
    public List<ArtifactKey> SweepCandidates(SweepPolicy policy, DateTimeOffset now)
    {
        // silent ≥ pruneAfter ⇔ heartbeat ≤ now − pruneAfter; a threshold before tick 0 matches no heartbeat.
        if (policy.PruneSilentAfter is { } pruneAfter && pruneAfter.Ticks <= now.UtcTicks)
        {
            _sweepKeysWithPrune.Parameters[0].Value = now.UtcTicks - pruneAfter.Ticks;
            return ReadKeys(_sweepKeysWithPrune);
        }

        return ReadKeys(_sweepKeys);
    }

    /// <summary>Up to <paramref name="limit"/> record keys after the store key <paramref name="after"/> ("" for the first page), in key order.</summary>
    public List<ArtifactKey> RecordKeysAfter(string after, int limit)
    {
        _recordKeysAfter.Parameters[0].Value = after;
        _recordKeysAfter.Parameters[1].Value = limit;
        return ReadKeys(_recordKeysAfter);
    }

    /// <summary>Up to <paramref name="limit"/> registered agents after the id <paramref name="after"/> ("" for the first page), in id order.</summary>
    public List<AgentHeartbeat> AgentsAfter(string after, int limit)
    {
        _agentsAfter.Parameters[0].Value = after;
        _agentsAfter.Parameters[1].Value = limit;
        var agents = new List<AgentHeartbeat>();
        using var reader = _agentsAfter.ExecuteReader();
        while (reader.Read())
        {
            agents.Add(new AgentHeartbeat(new AgentId(reader.GetString(0)), FromTicks(reader.GetInt64(1))));
        }

        return agents;
    }

    /// <summary>Writes back every row the rules changed: records, holder entries, agents, the operation log.</summary>
    public void Save(LoadedState state)
    {
        foreach (var (key, record) in state.State.Records)
        {
            var before = state.OnDisk(key);
            if (before is null)
            {
                WriteRecord(_insertRecord, record, withContent: true);
            }
            else if (record.Version != before.Version)
            {
                WriteRecord(_updateRecord, record, withContent: true);
            }
            else if (LoadedState.MetadataDiffers(record, before))
            {
                WriteRecord(_updateRecordMetadata, record, withContent: false);
            }

            if (before is not null)
            {
                foreach (var agent in before.Holders.Keys)
                {
                    if (!record.Holders.ContainsKey(agent))
                    {
                        _deleteHolder.Parameters[0].Value = key.StoreKey;
                        _deleteHolder.Parameters[1].Value = agent.Value;
                        _deleteHolder.ExecuteNonQuery();
                    }
                }
            }

            foreach (var (agent, entry) in record.Holders)
            {
                if (before is null || !before.Holders.TryGetValue(agent, out var old) || LoadedState.Differs(entry, old))
                {
                    WriteHolder(key, agent, entry);
                }
            }
        }

        foreach (var (agent, onDisk) in state.AgentsOnDisk)
        {
            var now = state.State.Heartbeats.TryGetValue(agent, out var at) ? at : (DateTimeOffset?)null;
            if (now == onDisk)
            {
                continue;
            }

            if (now is { } heartbeat)
            {
                _upsertAgent.Parameters[0].Value = agent.Value;
                _upsertAgent.Parameters[1].Value = heartbeat.UtcTicks;
                _upsertAgent.ExecuteNonQuery();
            }
            else
            {
                _deleteAgent.Parameters[0].Value = agent.Value;
                _deleteAgent.ExecuteNonQuery();
            }
        }

        foreach (var agent in state.ForgottenOperations)
        {
            _deleteOperations.Parameters[0].Value = agent.Value;
            _deleteOperations.ExecuteNonQuery();
        }

        foreach (var (agent, operation) in state.State.Operations.TakeAdded())
        {
            SaveOperation(agent, state.NextOperationSeq(agent), operation);
        }
    }

    public void Dispose()
    {
        foreach (var command in _all)
        {
            command.Dispose();
        }

        _json.Dispose();
    }

    private void SaveOperation(AgentId agent, long seq, RecordedOperation operation)
    {
        var p = _insertOperation.Parameters;
        p[0].Value = agent.Value;
        p[1].Value = operation.Id.Value;
        p[2].Value = seq;
        p[3].Value = _json.Versions(operation.Versions);
        p[4].Value = _json.Signals(operation.Signals);
        _insertOperation.ExecuteNonQuery();

        // The agent's rows are numbered 1, 2, 3… with no gaps (only this trim and Forget delete, oldest
        // first or all), so keeping the newest KeptPerAgent is deleting what is that far behind.
        if (seq > OperationLog.KeptPerAgent)
        {
            _trimOperations.Parameters[0].Value = agent.Value;
            _trimOperations.Parameters[1].Value = seq - OperationLog.KeptPerAgent;
            _trimOperations.ExecuteNonQuery();
        }
    }

    private void WriteRecord(SqliteCommand command, DirectoryRecord record, bool withContent)
    {
        var p = command.Parameters;
        p[0].Value = record.Key.StoreKey;
        p[1].Value = record.Version;
        p[2].Value = record.IsTombstone ? 1L : 0L;
        p[3].Value = (object?)record.ContentHash ?? DBNull.Value;
        p[4].Value = (long)record.SizeTokens;
        p[5].Value = record.LastWriter is { } writer ? writer.Value : DBNull.Value;
        p[6].Value = Ticks(record.CommittedAt);
        p[7].Value = record.OwnerEpoch;
        if (withContent)
        {
            p[8].Value = (object?)record.Content ?? DBNull.Value;
        }

        command.ExecuteNonQuery();
    }

    private void WriteHolder(ArtifactKey key, AgentId agent, HolderEntry entry)
    {
        var p = _upsertHolder.Parameters;
        p[0].Value = key.StoreKey;
        p[1].Value = agent.Value;
        p[2].Value = (long)entry.State;
        p[3].Value = entry.ViewVersion;
        p[4].Value = entry.ReadEpoch is { } epoch ? epoch : DBNull.Value;
        p[5].Value = Ticks(entry.GrantedAt);
        p[6].Value = entry.LastReclaim is { } reclaim ? (long)reclaim.Trigger : DBNull.Value;
        p[7].Value = Ticks(entry.LastReclaim?.At);
        p[8].Value = entry.LastReclaim is { } info ? info.Epoch : DBNull.Value;
        _upsertHolder.ExecuteNonQuery();
    }

    private static List<ArtifactKey> ReadKeys(SqliteCommand command)
    {
        var keys = new List<ArtifactKey>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            keys.Add(ArtifactKey.FromStoreKey(reader.GetString(0)));
        }

        return keys;
    }

    // Times are stored as UTC ticks: exact round trips, and ordered comparisons in SQL.
    private static object Ticks(DateTimeOffset? at) => at is { } value ? value.UtcTicks : DBNull.Value;

    private static DateTimeOffset FromTicks(long ticks) => new(ticks, TimeSpan.Zero);

    private static DateTimeOffset? ReadTime(SqliteDataReader reader, int ordinal) =>
        reader.IsDBNull(ordinal) ? null : FromTicks(reader.GetInt64(ordinal));
}
