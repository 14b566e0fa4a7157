using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using VoiceOrchestrator.Dispatch;

namespace VoiceOrchestrator.Storage;

/// <summary>
/// Runs small SQLite writes (call transitions, webhook conversations) in group commits. Under load
/// they arrive faster than one transaction each can commit: BEGIN and COMMIT, and the WAL pages a
/// commit writes, were most of the cost of a call transition. Whoever finds no batch being written
/// becomes the writer and, once the writer's turn has come, commits everything waiting, then
/// whatever arrived meanwhile; everyone else waits for the commit that holds their write. Each
/// write runs under a savepoint, so one that fails is rolled back alone and reported to its caller
/// only. A caller hears of its write only after the commit that made it durable.
/// </summary>
public sealed class SqliteGroupCommit(IServiceScopeFactory scopes, SqliteWriteGate sqliteWrites)
{
    /// <summary>At most this many writes share a commit, so that one batch holds the writer briefly.</summary>
    private const int MaxBatch = 256;

    private readonly Lock _lock = new();
    private readonly LinkedList<Pending> _ahead = new();
    private readonly LinkedList<Pending> _queue = new();
    private bool _writing;

    /// <summary>
    /// Runs <paramref name="write"/> inside the next group commit and returns its result once that
    /// commit is durable. The write must only use the batch's connection (through
    /// <see cref="SqliteBatch.Command"/>) and must not be cancelled midway: other callers share the transaction.
    /// </summary>
    public Task<T> RunAsync<T>(Func<SqliteBatch, Task<T>> write, CancellationToken cancellationToken) =>
        EnqueueAsync(write, ahead: false, committed: null, cancellationToken);

    /// <summary>
    /// As <see cref="RunAsync{T}"/>, but ahead of the ordinary writes waiting: for call transitions, which free
    /// the slots that the next claim fills, while a transcript can wait a few milliseconds.
    /// </summary>
    /// <remarks>
    /// <paramref name="committed"/> is called by the writer right after the commit, before the caller resumes: a
    /// caller's continuation may wait behind much other work on a busy thread pool, and a freed slot should not.
    /// </remarks>
    public Task<T> RunAheadAsync<T>(Func<SqliteBatch, Task<T>> write, Action<T> committed, CancellationToken cancellationToken) =>
        EnqueueAsync(write, ahead: true, value => committed((T)value!), cancellationToken);

    private async Task<T> EnqueueAsync<T>(Func<SqliteBatch, Task<T>> write, bool ahead, Action<object?>? committed, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(async batch => await write(batch), ahead, committed, cancellationToken);
        bool becomeWriter;
        lock (_lock)
        {
            (ahead ? _ahead : _queue).AddLast(pending);
            becomeWriter = !_writing;
            _writing = true;
        }

        if (becomeWriter)
        {
            await WriteUntilDoneAsync(pending);
        }

        return (T)(await pending.Result.Task)!;
    }

    /// <summary>Writes waiting for a commit.</summary>
    internal int Queued
    {
        get
        {
            lock (_lock)
            {
                return _ahead.Count + _queue.Count;
            }
        }
    }

    /// <summary>
    /// Writes batches until the caller's own write is done; whatever is still queued then is written
    /// on the thread pool, so that under steady load no caller is kept writing for everyone else.
    /// </summary>
    private async Task WriteUntilDoneAsync(Pending own)
    {
        // Not the caller's token: a batch holds other callers' writes too.
        while (await WriteBatchAsync())
        {
            if (own.Result.Task.IsCompleted)
            {
                _ = Task.Run(WriteWhileQueuedAsync);
                return;
            }
        }
    }

    private async Task WriteWhileQueuedAsync()
    {
        while (await WriteBatchAsync())
        {
        }
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

            var written = await WriteAsync(db, batch);
            if (written < batch.Count)
            {
                PutBack(batch.GetRange(written, batch.Count - written));
            }
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
            while (batch.Count < MaxBatch && (_ahead.First ?? _queue.First) is { } first)
            {
                first.List!.RemoveFirst();
                var next = first.Value;
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
            foreach (var next in _ahead.Concat(_queue))
            {
                next.Result.TrySetException(ex);
            }

            _ahead.Clear();
            _queue.Clear();

            _writing = false;
        }
    }

    /// <summary>Writes not reached because a claim was waiting go first into the next batch, in their order.</summary>
    private void PutBack(List<Pending> notWritten)
    {
        lock (_lock)
        {
            for (var i = notWritten.Count - 1; i >= 0; i--)
            {
                (notWritten[i].Ahead ? _ahead : _queue).AddFirst(notWritten[i]);
            }
        }
    }

    /// <summary>
    /// Writes the batch, or only its writes ahead when a claim starts waiting for the writer meanwhile: those
    /// (call transitions) free the slots that the claim fills, and the rest need not hold the claim up; returns
    /// how many were written.
    /// </summary>
    private async Task<int> WriteAsync(OrchestratorDbContext db, List<Pending> batch)
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        await using var shared = new SqliteBatch(db.Database.GetDbConnection(), transaction.GetDbTransaction());
        var results = new (object? Value, Exception? Error)[batch.Count];
        var written = batch.Count;
        if (batch.Count == 1)
        {
            results[0] = (await batch[0].Write(shared), null);
        }
        else
        {
            for (var i = 0; i < batch.Count; i++)
            {
                if (i > 0 && !batch[i].Ahead && sqliteWrites.ClaimWaiting)
                {
                    written = i;
                    break;
                }

                // The savepoint statements are the batch's own, prepared once for all its writes.
                await shared.Command("SAVEPOINT w").ExecuteNonQueryAsync();
                try
                {
                    results[i] = (await batch[i].Write(shared), null);
                    await shared.Command("RELEASE w").ExecuteNonQueryAsync();
                }
                catch (Exception ex)
                {
                    // Anything this write did is undone; the batch's other writes go on.
                    await shared.Command("ROLLBACK TO w").ExecuteNonQueryAsync();
                    await shared.Command("RELEASE w").ExecuteNonQueryAsync();
                    results[i] = (null, ex);
                }
            }
        }

        await transaction.CommitAsync();
        for (var i = 0; i < written; i++)
        {
            if (results[i].Error is { } error)
            {
                batch[i].Result.TrySetException(error);
            }
            else
            {
                try
                {
                    batch[i].Committed?.Invoke(results[i].Value);
                    batch[i].Result.TrySetResult(results[i].Value);
                }
                catch (Exception ex)
                {
                    // Only this caller hears of it; the others' writes are committed and theirs to report.
                    batch[i].Result.TrySetException(ex);
                }
            }
        }

        return written;
    }

    private sealed class Pending(Func<SqliteBatch, Task<object?>> write, bool ahead, Action<object?>? committed, CancellationToken cancellationToken)
    {
        public Func<SqliteBatch, Task<object?>> Write { get; } = write;

        public bool Ahead { get; } = ahead;

        public Action<object?>? Committed { get; } = committed;

        public CancellationToken CancellationToken { get; } = cancellationToken;

        public TaskCompletionSource<object?> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
