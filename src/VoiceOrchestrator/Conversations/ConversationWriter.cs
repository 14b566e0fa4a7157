using System.Data;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Conversations;

/// <summary>
/// Stores conversations by upsert on the conversation id (the database's ON CONFLICT), so that a
/// webhook, a manual sync, a live listing and another instance can all write the same
/// conversation at once without a duplicate or a lost update.
/// </summary>
public sealed class ConversationWriter(OrchestratorDbContext db, SqliteGroupCommit sqliteCommits, PostgresConversationBatches postgresBatches)
{
    // Later snapshots fill in what earlier ones lacked, never blank it; a finished conversation is
    // not sent back to in_progress by an older snapshot; another workspace's row is left alone.
    internal const string UpsertSql = InsertInto + """
        VALUES (@conversation_id, @workspace_id, @call_id, @agent_id, @caller_number, @callee_number, @status, @direction,
            @call_type, @started_at, @ended_at, @duration_secs, @transcript, @analysis, @summary, @metadata, @end_reason, @has_recording,
            @synced_from_api, @last_synced_at, @now, @now)
        """ + OnConflict;

    /// <summary>
    /// The same upsert for a conversation of our call <c>@call_id</c>, in that call's workspace, read in the statement itself:
    /// a webhook's conversation needs no lookup of its call first. Writes nothing when there is no such call.
    /// </summary>
    internal const string UpsertInCallsWorkspaceSql = InsertInto + """
        SELECT @conversation_id, calls.workspace_id, calls.id, @agent_id, @caller_number, @callee_number, @status, @direction,
            @call_type, @started_at, @ended_at, @duration_secs, @transcript, @analysis, @summary, @metadata, @end_reason, @has_recording,
            @synced_from_api, @last_synced_at, @now, @now
        FROM calls WHERE calls.id = @call_id
        """ + OnConflict;

    private const string InsertInto = """
        INSERT INTO conversations (conversation_id, workspace_id, call_id, agent_id, caller_number, callee_number, status, direction,
            call_type, started_at, ended_at, duration_secs, transcript, analysis, summary, metadata, end_reason, has_recording,
            synced_from_api, last_synced_at, created_at, updated_at)

        """;

    private const string OnConflict = """

        ON CONFLICT (conversation_id) DO UPDATE SET
            call_id = COALESCE(excluded.call_id, conversations.call_id),
            agent_id = COALESCE(excluded.agent_id, conversations.agent_id),
            caller_number = COALESCE(excluded.caller_number, conversations.caller_number),
            callee_number = COALESCE(excluded.callee_number, conversations.callee_number),
            status = CASE WHEN conversations.status IN ('done', 'failed') AND excluded.status IN ('in_progress', 'waiting')
                THEN conversations.status ELSE excluded.status END,
            direction = COALESCE(excluded.direction, conversations.direction),
            call_type = COALESCE(excluded.call_type, conversations.call_type),
            started_at = COALESCE(conversations.started_at, excluded.started_at),
            ended_at = COALESCE(excluded.ended_at, conversations.ended_at),
            duration_secs = COALESCE(excluded.duration_secs, conversations.duration_secs),
            transcript = COALESCE(excluded.transcript, conversations.transcript),
            analysis = COALESCE(excluded.analysis, conversations.analysis),
            summary = COALESCE(excluded.summary, conversations.summary),
            metadata = COALESCE(excluded.metadata, conversations.metadata),
            end_reason = COALESCE(excluded.end_reason, conversations.end_reason),
            has_recording = excluded.has_recording OR conversations.has_recording,
            synced_from_api = excluded.synced_from_api OR conversations.synced_from_api,
            last_synced_at = excluded.last_synced_at,
            updated_at = excluded.updated_at
        WHERE conversations.workspace_id = excluded.workspace_id
        """;

    /// <summary>
    /// Upserts one row whose call link the caller has already checked (the webhook has: it found the
    /// call first). It shares a batch with the other webhooks' rows waiting at the time: on SQLite a
    /// group commit with the call transitions, on PostgreSQL a round trip of its own writer.
    /// </summary>
    public Task<int> UpsertLinkedAsync(Conversation row, CancellationToken cancellationToken) =>
        UpsertOneAsync(new ConversationUpsert(row, WorkspaceFromCall: false), cancellationToken);

    /// <summary>
    /// Upserts one row of our call <see cref="Conversation.CallId"/>, linked to it and in its workspace (the row's own
    /// <see cref="Conversation.WorkspaceId"/> is not used); batched as <see cref="UpsertLinkedAsync"/>. Returns 0 when
    /// there is no such call, or when the conversation is already another workspace's.
    /// </summary>
    public Task<int> UpsertForCallAsync(Conversation row, CancellationToken cancellationToken) =>
        row.CallId is null
            ? throw new ArgumentException("The row names no call.", nameof(row))
            : UpsertOneAsync(new ConversationUpsert(row, WorkspaceFromCall: true), cancellationToken);

    private async Task<int> UpsertOneAsync(ConversationUpsert upsert, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            return await postgresBatches.UpsertAsync(upsert, cancellationToken);
        }

        return await sqliteCommits.RunAsync(
            batch =>
            {
                var command = batch.Command(upsert.Sql);
                Bind(command.Parameters, command.CreateParameter, upsert, sqlite: true);
                return command.ExecuteNonQueryAsync();
            },
            cancellationToken);
    }

    /// <summary>Upserts the rows in one transaction; returns how many were written.</summary>
    public async Task<int> UpsertAsync(IReadOnlyList<Conversation> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return 0;
        }

        await LinkCallsAsync(rows, cancellationToken);
        return await WriteAsync(rows, cancellationToken);
    }

    private async Task<int> WriteAsync(IReadOnlyList<Conversation> rows, CancellationToken cancellationToken)
    {
        var sqlite = !db.Database.IsNpgsql();
        var strategy = db.Database.CreateExecutionStrategy();
        return await strategy.ExecuteAsync(async () =>
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            try
            {
                await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
                var connection = db.Database.GetDbConnection();
                var written = 0;
                if (!sqlite && connection.CanCreateBatch)
                {
                    // One round trip for the whole page on PostgreSQL.
                    await using var batch = connection.CreateBatch();
                    batch.Transaction = transaction.GetDbTransaction();
                    foreach (var row in rows)
                    {
                        var command = batch.CreateBatchCommand();
                        command.CommandText = UpsertSql;
                        Bind(command.Parameters, command.CreateParameter, new ConversationUpsert(row, WorkspaceFromCall: false), sqlite);
                        batch.BatchCommands.Add(command);
                    }

                    written = await batch.ExecuteNonQueryAsync(cancellationToken);
                }
                else
                {
                    // SQLite is in process: a prepared statement per row costs no round trip.
                    await using var command = connection.CreateCommand();
                    command.CommandText = UpsertSql;
                    command.Transaction = transaction.GetDbTransaction();
                    foreach (var row in rows)
                    {
                        command.Parameters.Clear();
                        Bind(command.Parameters, command.CreateParameter, new ConversationUpsert(row, WorkspaceFromCall: false), sqlite);
                        written += await command.ExecuteNonQueryAsync(cancellationToken);
                    }
                }

                await transaction.CommitAsync(cancellationToken);
                return written;
            }
            finally
            {
                await db.Database.CloseConnectionAsync();
            }
        });
    }

    /// <summary>
    /// Links each conversation to our call: the id it names (<c>user_id</c>) when that call exists in
    /// the same workspace, else the call the dialer recorded the conversation id on.
    /// </summary>
    private async Task LinkCallsAsync(IReadOnlyList<Conversation> rows, CancellationToken cancellationToken)
    {
        var named = rows.Where(r => r.CallId is not null).Select(r => r.CallId!.Value).Distinct().ToList();
        var known = named.Count == 0
            ? []
            : (await db.Calls.Where(c => named.Contains(c.Id)).Select(c => new { c.Id, c.WorkspaceId }).ToListAsync(cancellationToken))
                .ToDictionary(c => c.Id, c => c.WorkspaceId);
        foreach (var row in rows)
        {
            if (row.CallId is { } id && (!known.TryGetValue(id, out var workspace) || workspace != row.WorkspaceId))
            {
                row.CallId = null;
            }
        }

        var unlinked = rows.Where(r => r.CallId is null).Select(r => r.ConversationId).ToList();
        if (unlinked.Count == 0)
        {
            return;
        }

        var byConversation = (await db.Calls
                .Where(c => c.ConversationId != null && unlinked.Contains(c.ConversationId))
                .Select(c => new { c.Id, c.WorkspaceId, c.ConversationId })
                .ToListAsync(cancellationToken))
            .GroupBy(c => c.ConversationId!)
            .ToDictionary(g => g.Key, g => g.First());
        foreach (var row in rows.Where(r => r.CallId is null))
        {
            if (byConversation.TryGetValue(row.ConversationId, out var call) && call.WorkspaceId == row.WorkspaceId)
            {
                row.CallId = call.Id;
            }
        }
    }

    internal static void Bind(DbParameterCollection parameters, Func<DbParameter> create, ConversationUpsert upsert, bool sqlite)
    {
        var row = upsert.Row;
        var command = (parameters, create);
        Add(command, "@conversation_id", row.ConversationId, DbType.String);
        if (!upsert.WorkspaceFromCall)
        {
            // PostgreSQL refuses a parameter its statement does not use.
            Add(command, "@workspace_id", row.WorkspaceId, DbType.String);
        }

        if (sqlite)
        {
            Add(command, "@call_id", row.CallId is { } callId ? SqliteIds.Text(callId) : null, DbType.String);
        }
        else
        {
            Add(command, "@call_id", row.CallId, DbType.Guid);
        }

        Add(command, "@agent_id", row.AgentId, DbType.String);
        Add(command, "@caller_number", row.CallerNumber, DbType.String);
        Add(command, "@callee_number", row.CalleeNumber, DbType.String);
        Add(command, "@status", row.Status, DbType.String);
        Add(command, "@direction", row.Direction, DbType.String);
        Add(command, "@call_type", row.CallType, DbType.String);
        Add(command, "@started_at", row.StartedAt, DbType.DateTime);
        Add(command, "@ended_at", row.EndedAt, DbType.DateTime);
        Add(command, "@duration_secs", row.DurationSecs, DbType.Int32);
        Add(command, "@transcript", row.Transcript, DbType.String);
        Add(command, "@analysis", row.Analysis, DbType.String);
        Add(command, "@summary", row.Summary, DbType.String);
        Add(command, "@metadata", row.Metadata, DbType.String);
        Add(command, "@end_reason", row.EndReason, DbType.String);
        Add(command, "@has_recording", row.HasRecording, DbType.Boolean);
        Add(command, "@synced_from_api", row.SyncedFromApi, DbType.Boolean);
        Add(command, "@last_synced_at", row.LastSyncedAt, DbType.DateTime);
        Add(command, "@now", row.UpdatedAt, DbType.DateTime);
    }

    private static void Add((DbParameterCollection Parameters, Func<DbParameter> Create) command, string name, object? value, DbType type)
    {
        var parameter = command.Create();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        // A null needs a type on PostgreSQL when nothing else in the statement gives it one.
        parameter.DbType = type;
        command.Parameters.Add(parameter);
    }
}
