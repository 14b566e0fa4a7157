using System.Collections.Concurrent;
using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Calls;

public enum TransitionResult
{
    Applied,

    /// <summary>The call is in a state this transition does not start from (e.g. a late webhook for a finished call).</summary>
    WrongState,

    NotFound,
}

/// <summary>
/// Moves a call from one of the states a transition expects to its next state, with a history
/// event, atomically. The UPDATE is guarded by the expected states, so two writers racing on one
/// call (a webhook and the sweeper, say) cannot both win: the loser changes nothing. This is the
/// hottest write of the service (two per call), so it takes no extra read and shares its statement or
/// transaction with the other transitions waiting at the time: on PostgreSQL the state check, update
/// and event insert of a whole batch are one statement (<see cref="PostgresTransitionBatches"/>); on
/// SQLite (one writer at a time) the event insert reads the state it leaves and the update follows
/// in the same transaction, which <see cref="SqliteGroupCommit"/> shares with the other writes.
/// </summary>
public sealed class CallTransitions(
    OrchestratorDbContext db, TimeProvider clock, DispatchSignal signal, ActiveSlots slots, SqliteWriteGate sqliteWrites, SqliteGroupCommit sqliteCommits,
    PostgresTransitionBatches postgresBatches)
{
    private const string SetClause = """
        state = @to,
            updated_at = @now,
            conversation_id = COALESCE(@conversation_id, conversation_id),
            provider_call_id = COALESCE(@provider_call_id, provider_call_id),
            failure_reason = COALESCE(@failure_reason, failure_reason),
            termination_reason = COALESCE(@termination_reason, termination_reason),
            last_error = COALESCE(@last_error, last_error),
            sip_trunk_used = COALESCE(@sip_trunk_used, sip_trunk_used),
            duration_secs = COALESCE(@duration_secs, duration_secs),
            eleven_labs_credits = COALESCE(@eleven_labs_credits, eleven_labs_credits),
            cost_eleven_labs = COALESCE(@cost_eleven_labs, cost_eleven_labs),
            answered_at = COALESCE(@answered_at, answered_at),
            ended_at = COALESCE(@ended_at, ended_at),
            lease_expires_at = CASE WHEN @set_lease THEN @lease_expires_at ELSE lease_expires_at END,
            next_attempt_at = CASE WHEN @set_next_attempt THEN @next_attempt_at ELSE next_attempt_at END,
            attempts = attempts + @attempt_delta
        """;

    private const string UpdateSql = "UPDATE calls SET " + SetClause + " WHERE id = @id AND state = @expected";

    /// <summary>SQLite, first statement of the transaction: the event, read from the row as it is before the update.</summary>
    private const string SqliteEventSql = """
        INSERT INTO call_events (call_id, from_state, to_state, reason, attempt, at)
        SELECT id, state, @to, @reason, attempts, @now FROM calls WHERE id = @id AND state IN ({0})
        RETURNING from_state
        """;

    private const string ExistsSql = "SELECT COUNT(*) FROM calls WHERE id = @id";

    private static readonly ConcurrentDictionary<string, string> SqliteEventSqlByStates = new(StringComparer.Ordinal);

    public Task<TransitionResult> ApplyAsync(
        Guid callId, IReadOnlyCollection<CallState> from, CallState to, string reason, CallChange change, CancellationToken cancellationToken) =>
        ApplyAsync(callId, from, to, reason, change, clock.GetUtcNow().UtcDateTime, cancellationToken);

    /// <summary>
    /// A move to a final state that the provider itself reported (a signed webhook, or its conversation record). The
    /// provider no longer counts the call, so its slot is freed for this process's dispatcher at once rather than after
    /// the commit: the next dial need not wait for this write. The call's number stays busy until the commit.
    /// </summary>
    public Task<TransitionResult> ApplyEndedAtProviderAsync(
        Guid callId, IReadOnlyCollection<CallState> from, CallState to, string reason, CallChange change, CancellationToken cancellationToken)
    {
        if (!to.IsTerminal())
        {
            throw new ArgumentOutOfRangeException(nameof(to), to, "Only a final state ends a call at the provider.");
        }

        // The time first, so that the event of the end is never later than a dial into the slot it frees.
        var now = clock.GetUtcNow().UtcDateTime;
        if (slots.EndedAtProvider(callId))
        {
            signal.SlotFreed();
        }

        return ApplyAsync(callId, from, to, reason, change, now, cancellationToken);
    }

    private async Task<TransitionResult> ApplyAsync(
        Guid callId, IReadOnlyCollection<CallState> from, CallState to, string reason, CallChange change, DateTime now, CancellationToken cancellationToken)
    {
        var previous = db.Database.IsNpgsql()
            ? await ApplyPostgresAsync(callId, from, to, reason, change, now, cancellationToken)
            : await ApplySqliteAsync(callId, from, to, reason, change, now, cancellationToken);
        if (previous is null)
        {
            // Rare (a late or duplicate event): tell a call that is elsewhere from one that does not exist.
            await using var exists = await CommandAsync(ExistsSql, callId, cancellationToken);
            return Convert.ToInt64(await exists.ExecuteScalarAsync(cancellationToken), System.Globalization.CultureInfo.InvariantCulture) == 0
                ? TransitionResult.NotFound
                : TransitionResult.WrongState;
        }

        return TransitionResult.Applied;
    }

    /// <summary>Tells the dispatcher of this process what a committed transition changed.</summary>
    private void Committed(Guid callId, CallState left, CallState to)
    {
        if (left.HoldsSlot() && !to.HoldsSlot())
        {
            slots.Released(callId);
            signal.SlotFreed();
        }

        if (to == CallState.Queued)
        {
            signal.NewWork();
        }
    }

    private Task<CallState?> ApplyPostgresAsync(
        Guid callId, IReadOnlyCollection<CallState> from, CallState to, string reason, CallChange change, DateTime now, CancellationToken cancellationToken) =>
        postgresBatches.ApplyAsync(new PendingTransition(callId, from, to, reason, change, now), left => Committed(callId, left, to), cancellationToken);

    private Task<CallState?> ApplySqliteAsync(
        Guid callId, IReadOnlyCollection<CallState> from, CallState to, string reason, CallChange change, DateTime now, CancellationToken cancellationToken) =>
        sqliteCommits.RunAheadAsync(
            batch => ApplySqliteAsync(batch, callId, from, to, reason, change, now),
            left =>
            {
                if (left is { } state)
                {
                    Committed(callId, state, to);
                }
            },
            cancellationToken);

    /// <summary>The event first, read from the row as it is before the update; the update follows in the same transaction.</summary>
    private static async Task<CallState?> ApplySqliteAsync(
        SqliteBatch batch, Guid callId, IReadOnlyCollection<CallState> from, CallState to, string reason, CallChange change, DateTime now)
    {
        var insert = batch.Command(SqliteEventSqlFor(from));
        AddSqliteId(insert, callId);
        Add(insert, "@to", to.ToWire());
        Add(insert, "@reason", reason);
        Add<DateTime>(insert, "@now", now);
        if (await ReadStateAsync(insert, CancellationToken.None) is not { } left)
        {
            return null;
        }

        // The write lock is held since the insert: the row is still in the state the event recorded.
        var update = batch.Command(UpdateSql);
        AddSqliteId(update, callId);
        Add(update, "@expected", left.ToWire());
        AddChange(update, to, change, now);
        await update.ExecuteNonQueryAsync();
        return left;
    }

    private static async Task<CallState?> ReadStateAsync(DbCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return CallStates.TryParse(reader.GetString(0), out var state) ? state : throw new InvalidOperationException($"Unknown call state '{reader.GetString(0)}'.");
    }

    /// <summary>The SQLite event statement for one set of expected states; the states are our own constants, not input.</summary>
    private static string SqliteEventSqlFor(IReadOnlyCollection<CallState> from)
    {
        var states = string.Join(",", from.Select(s => "'" + s.ToWire() + "'"));
        return SqliteEventSqlByStates.GetOrAdd(states, key => string.Format(System.Globalization.CultureInfo.InvariantCulture, SqliteEventSql, key));
    }

    /// <summary>Changes fields of a call without changing its state (e.g. extending its lease); true when the call was in <paramref name="expected"/>.</summary>
    public async Task<bool> UpdateAsync(Guid callId, CallState expected, CallChange change, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        await using var command = await CommandAsync(UpdateSql, callId, cancellationToken);
        Add(command, "@expected", expected.ToWire());
        AddChange(command, expected, change, now);
        using var turn = db.Database.IsNpgsql() ? null : await sqliteWrites.EnterAsync(cancellationToken);
        return await command.ExecuteNonQueryAsync(cancellationToken) == 1;
    }

    private async Task<DbCommand> CommandAsync(string sql, Guid callId, CancellationToken cancellationToken)
    {
        var connection = await OpenAsync(cancellationToken);
        var command = connection.CreateCommand();
        command.CommandText = sql;
        // SQLite stores ids as upper-case text (as EF does); PostgreSQL has a uuid type.
        if (db.Database.IsNpgsql())
        {
            Add<Guid>(command, "@id", callId);
        }
        else
        {
            AddSqliteId(command, callId);
        }

        return command;
    }

    private async Task<DbConnection> OpenAsync(CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
        }

        return connection;
    }

    private static void AddSqliteId(DbCommand command, Guid callId) => Add(command, "@id", SqliteIds.Text(callId));

    private static void AddChange(DbCommand command, CallState to, CallChange change, DateTime now)
    {
        Add(command, "@to", to.ToWire());
        Add<DateTime>(command, "@now", now);
        Add(command, "@conversation_id", change.ConversationId);
        Add(command, "@provider_call_id", change.ProviderCallId);
        Add(command, "@failure_reason", change.FailureReason);
        Add(command, "@termination_reason", change.TerminationReason);
        Add(command, "@last_error", change.LastError);
        Add(command, "@sip_trunk_used", change.SipTrunkUsed);
        Add(command, "@duration_secs", change.DurationSecs);
        Add(command, "@eleven_labs_credits", change.ElevenLabsCredits);
        Add(command, "@cost_eleven_labs", change.CostElevenLabs);
        Add(command, "@answered_at", change.AnsweredAt);
        Add<DateTime>(command, "@ended_at", change.Ended ? now : null);
        Add<bool>(command, "@set_lease", change.Lease is not null);
        Add(command, "@lease_expires_at", change.Lease?.Value);
        Add<bool>(command, "@set_next_attempt", change.NextAttempt is not null);
        Add(command, "@next_attempt_at", change.NextAttempt?.Value);
        Add<int>(command, "@attempt_delta", change.AttemptDelta);
    }

    private static void Add(DbCommand command, string name, string? value) =>
        AddParameter(command, name, value, System.Data.DbType.String);

    private static void Add<T>(DbCommand command, string name, T? value)
        where T : struct =>
        AddParameter(command, name, value, Type(typeof(T)));

    private static void AddParameter(DbCommand command, string name, object? value, System.Data.DbType type)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value ?? DBNull.Value;
        // A null needs a type on PostgreSQL when nothing else in the statement gives it one.
        parameter.DbType = type;
        command.Parameters.Add(parameter);
    }

    private static System.Data.DbType Type(Type type) => type switch
    {
        var t when t == typeof(bool) => System.Data.DbType.Boolean,
        var t when t == typeof(int) => System.Data.DbType.Int32,
        var t when t == typeof(double) => System.Data.DbType.Double,
        var t when t == typeof(DateTime) => System.Data.DbType.DateTime,
        var t when t == typeof(Guid) => System.Data.DbType.Guid,
        _ => System.Data.DbType.Object,
    };
}
