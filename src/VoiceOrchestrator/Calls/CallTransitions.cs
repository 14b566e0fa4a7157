using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
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
/// event, in one transaction. The UPDATE is guarded by the state read just before it, so two
/// writers racing on one call (a webhook and the sweeper, say) cannot both win: the loser re-reads
/// and finds the transition no longer applies. This is the hottest write of the service (two per
/// call), so it is one prepared statement rather than a query built per call.
/// </summary>
public sealed class CallTransitions(OrchestratorDbContext db, TimeProvider clock, DispatchSignal signal, ActiveSlots slots)
{
    private const string UpdateSql = """
        UPDATE calls SET
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
        WHERE id = @id AND state = @expected
        """;

    private const string EventSql = """
        INSERT INTO call_events (call_id, from_state, to_state, reason, attempt, at)
        VALUES (@id, @expected, @to, @reason, @attempt, @now)
        """;

    public async Task<TransitionResult> ApplyAsync(
        Guid callId, IReadOnlyCollection<CallState> from, CallState to, string reason, CallChange change, CancellationToken cancellationToken)
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            var current = await db.Calls.Where(c => c.Id == callId).Select(c => new { c.State, c.Attempts }).FirstOrDefaultAsync(cancellationToken);
            if (current is null)
            {
                return TransitionResult.NotFound;
            }

            if (!from.Contains(current.State))
            {
                return TransitionResult.WrongState;
            }

            var now = clock.GetUtcNow().UtcDateTime;
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var changed = await ExecuteAsync(UpdateSql, callId, current.State, to, change, now, null, current.Attempts, transaction, cancellationToken);
            if (changed == 0)
            {
                await transaction.RollbackAsync(cancellationToken);
                continue;
            }

            await ExecuteAsync(EventSql, callId, current.State, to, CallChange.None, now, reason, current.Attempts, transaction, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            if (current.State.HoldsSlot() && !to.HoldsSlot())
            {
                slots.Released(callId);
                signal.SlotFreed();
            }

            if (to == CallState.Queued)
            {
                signal.NewWork();
            }

            return TransitionResult.Applied;
        }

        return TransitionResult.WrongState;
    }

    /// <summary>Changes fields of a call without changing its state (e.g. extending its lease); true when the call was in <paramref name="expected"/>.</summary>
    public async Task<bool> UpdateAsync(Guid callId, CallState expected, CallChange change, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        return await ExecuteAsync(UpdateSql, callId, expected, expected, change, now, null, 0, null, cancellationToken) == 1;
    }

    private async Task<int> ExecuteAsync(
        string sql, Guid callId, CallState expected, CallState to, CallChange change, DateTime now, string? reason, int attempt,
        IDbContextTransaction? transaction, CancellationToken cancellationToken)
    {
        var connection = db.Database.GetDbConnection();
        if (connection.State != System.Data.ConnectionState.Open)
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
        }

        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.Transaction = transaction?.GetDbTransaction();
        var sqlite = !db.Database.IsNpgsql();
        // SQLite stores ids as upper-case text (as EF does); PostgreSQL has a uuid type.
        if (sqlite)
        {
            Add(command, "@id", callId.ToString().ToUpperInvariant());
        }
        else
        {
            Add<Guid>(command, "@id", callId);
        }
        Add(command, "@expected", expected.ToWire());
        Add(command, "@to", to.ToWire());
        Add<DateTime>(command, "@now", now);
        if (reason is not null)
        {
            Add(command, "@reason", reason);
            Add<int>(command, "@attempt", attempt);
        }
        else
        {
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

        return await command.ExecuteNonQueryAsync(cancellationToken);
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
