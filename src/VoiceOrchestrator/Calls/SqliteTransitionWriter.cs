using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Calls;

/// <summary>
/// Applies call transitions on SQLite in group commits. Under load, settlements and dial results
/// arrive faster than one transaction each can commit: the writer's BEGIN and COMMIT, and the WAL
/// pages a commit writes, were most of the cost of a transition. Whoever finds no batch being
/// written becomes the writer and commits everything waiting, then whatever arrived meanwhile;
/// everyone else waits for the commit that holds their transition. Each transition runs under a
/// savepoint, so one that fails is rolled back alone and reported to its caller only. A caller
/// hears of its transition only after the commit that made it durable.
/// </summary>
public sealed class SqliteTransitionWriter(IServiceScopeFactory scopes, SqliteWriteGate sqliteWrites)
{
    /// <summary>At most this many transitions share a commit, so that one batch holds the writer briefly.</summary>
    private const int MaxBatch = 256;

    private readonly Lock _lock = new();
    private readonly Queue<Pending> _queue = new();
    private bool _writing;

    /// <summary>Applies one transition; the state the call left, or null when it was in none of the expected states.</summary>
    public async Task<CallState?> ApplyAsync(SqliteTransition transition, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(transition, cancellationToken);
        bool write;
        lock (_lock)
        {
            _queue.Enqueue(pending);
            write = !_writing;
            _writing = true;
        }

        if (write)
        {
            await WriteWhileQueuedAsync();
        }

        return await pending.Result.Task;
    }

    /// <summary>Transitions waiting for a commit.</summary>
    internal int Queued
    {
        get
        {
            lock (_lock)
            {
                return _queue.Count;
            }
        }
    }

    private async Task WriteWhileQueuedAsync()
    {
        bool more;
        do
        {
            // Not the caller's token: a batch holds other callers' transitions too.
            more = await WriteBatchAsync();
        }
        while (more);
    }

    /// <summary>Writes what is queued once the writer's turn has come; false when nothing was queued (and this caller stopped being the writer).</summary>
    private async Task<bool> WriteBatchAsync()
    {
        var batch = new List<Pending>();
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
            await db.Database.OpenConnectionAsync();
            using var turn = await sqliteWrites.EnterAsync(CancellationToken.None);
            // Taken only now, so that whatever arrived while the turn was awaited shares this commit.
            if (!TakeBatch(batch))
            {
                return false;
            }

            await WriteAsync(db, batch);
        }
        catch (Exception ex)
        {
            // The commit failed (or never began): nothing of the batch was written.
            foreach (var pending in batch)
            {
                pending.Result.TrySetException(ex);
            }

            if (batch.Count == 0)
            {
                // Failed before a batch was taken: those waiting hear of it, and the next caller tries again.
                FailQueued(ex);
                return false;
            }
        }

        return true;
    }

    private bool TakeBatch(List<Pending> batch)
    {
        lock (_lock)
        {
            while (batch.Count < MaxBatch && _queue.TryDequeue(out var next))
            {
                // A caller that gave up before its batch began is not written.
                if (next.CancellationToken.IsCancellationRequested)
                {
                    next.Result.TrySetCanceled(next.CancellationToken);
                }
                else
                {
                    batch.Add(next);
                }
            }

            if (batch.Count == 0)
            {
                _writing = false;
                return false;
            }

            return true;
        }
    }

    private void FailQueued(Exception ex)
    {
        lock (_lock)
        {
            while (_queue.TryDequeue(out var next))
            {
                next.Result.TrySetException(ex);
            }

            _writing = false;
        }
    }

    private static async Task WriteAsync(OrchestratorDbContext db, List<Pending> batch)
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        var connection = db.Database.GetDbConnection();
        // Statements are prepared once per batch and bound again for each transition.
        var commands = new Dictionary<string, DbCommand>(StringComparer.Ordinal);
        var results = new (CallState? Left, Exception? Error)[batch.Count];
        try
        {
            var single = batch.Count == 1;
            for (var i = 0; i < batch.Count; i++)
            {
                if (single)
                {
                    results[i] = (await ApplyOneAsync(connection, transaction, commands, batch[i].Transition), null);
                    continue;
                }

                await transaction.CreateSavepointAsync("t");
                try
                {
                    results[i] = (await ApplyOneAsync(connection, transaction, commands, batch[i].Transition), null);
                    await transaction.ReleaseSavepointAsync("t");
                }
                catch (DbException ex)
                {
                    await transaction.RollbackToSavepointAsync("t");
                    await transaction.ReleaseSavepointAsync("t");
                    results[i] = (null, ex);
                }
            }

            await transaction.CommitAsync();
        }
        finally
        {
            foreach (var command in commands.Values)
            {
                await command.DisposeAsync();
            }
        }

        for (var i = 0; i < batch.Count; i++)
        {
            if (results[i].Error is { } error)
            {
                batch[i].Result.TrySetException(error);
            }
            else
            {
                batch[i].Result.TrySetResult(results[i].Left);
            }
        }
    }

    /// <summary>The event first, read from the row as it is before the update; the update follows in the same transaction.</summary>
    private static async Task<CallState?> ApplyOneAsync(
        DbConnection connection, IDbContextTransaction transaction, Dictionary<string, DbCommand> commands, SqliteTransition t)
    {
        var insert = Command(connection, transaction, commands, CallTransitions.SqliteEventSqlFor(t.From));
        CallTransitions.AddSqliteId(insert, t.CallId);
        CallTransitions.Add(insert, "@to", t.To.ToWire());
        CallTransitions.Add(insert, "@reason", t.Reason);
        CallTransitions.Add<DateTime>(insert, "@now", t.Now);
        if (await CallTransitions.ReadStateAsync(insert, CancellationToken.None) is not { } left)
        {
            return null;
        }

        // The write lock is held since the insert: the row is still in the state the event recorded.
        var update = Command(connection, transaction, commands, CallTransitions.UpdateSql);
        CallTransitions.AddSqliteId(update, t.CallId);
        CallTransitions.Add(update, "@expected", left.ToWire());
        CallTransitions.AddChange(update, t.To, t.Change, t.Now);
        await update.ExecuteNonQueryAsync();
        return left;
    }

    private static DbCommand Command(DbConnection connection, IDbContextTransaction transaction, Dictionary<string, DbCommand> commands, string sql)
    {
        if (!commands.TryGetValue(sql, out var command))
        {
            command = connection.CreateCommand();
            command.CommandText = sql;
            command.Transaction = transaction.GetDbTransaction();
            commands[sql] = command;
        }

        command.Parameters.Clear();
        return command;
    }

    private sealed class Pending(SqliteTransition transition, CancellationToken cancellationToken)
    {
        public SqliteTransition Transition { get; } = transition;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<CallState?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
