namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// Lines up this process's hot SQLite writes (claims and call transitions) in memory. SQLite has
/// one writer at a time, and a writer that finds the database locked sleeps in its busy handler
/// for up to 100 ms a turn; queued here, the next write starts the moment the last one commits.
/// Writes elsewhere still meet the busy handler, which is why it stays configured. Unused on PostgreSQL.
/// A claim goes ahead of the queue: when many webhooks land at once, their settlements would
/// otherwise hold back the one write that fills the slots they free. So does the dispatcher's lease,
/// which the same loop waits for. There is one dispatcher loop, so these come one at a time and every
/// other write still gets its turn between two of them.
/// </summary>
public sealed class SqliteWriteGate
{
    private readonly Lock _lock = new();
    private readonly Queue<TaskCompletionSource> _claims = new();
    private readonly Queue<TaskCompletionSource> _others = new();
    private bool _held;
    private volatile int _claimsWaiting;

    /// <summary>
    /// A claim is waiting for its turn. A long write checks this between its steps and, when it can stop
    /// early, lets the claim go first: a freed slot should not wait for a whole batch of other writes.
    /// </summary>
    public bool ClaimWaiting => _claimsWaiting > 0;

    public Task<IDisposable> EnterAsync(CancellationToken cancellationToken) => EnterAsync(ahead: false, cancellationToken);

    /// <summary>The dispatcher loop's own writes (its claims and its lease): next in line, ahead of writes already waiting.</summary>
    public Task<IDisposable> EnterForClaimAsync(CancellationToken cancellationToken) => EnterAsync(ahead: true, cancellationToken);

    private async Task<IDisposable> EnterAsync(bool ahead, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        TaskCompletionSource turn;
        lock (_lock)
        {
            if (!_held)
            {
                _held = true;
                return new Exit(this);
            }

            turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            if (ahead)
            {
                _claims.Enqueue(turn);
                _claimsWaiting++;
            }
            else
            {
                _others.Enqueue(turn);
            }
        }

        // A cancelled waiter stays queued; the hand-over skips it, because its turn can no longer be given.
        await using (cancellationToken.Register(() => turn.TrySetCanceled(cancellationToken)))
        {
            await turn.Task;
        }

        return new Exit(this);
    }

    private void Leave()
    {
        lock (_lock)
        {
            while (_claims.TryDequeue(out var next) || _others.TryDequeue(out next))
            {
                _claimsWaiting = _claims.Count;

                // Handed over while still held: nobody can slip in between.
                if (next.TrySetResult())
                {
                    return;
                }
            }

            _held = false;
        }
    }

    private sealed class Exit(SqliteWriteGate gate) : IDisposable
    {
        private SqliteWriteGate? _gate = gate;

        public void Dispose() => Interlocked.Exchange(ref _gate, null)?.Leave();
    }
}
