namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// Lines up this process's hot SQLite writes (claims and call transitions) in memory. SQLite has
/// one writer at a time, and a writer that finds the database locked sleeps in its busy handler
/// for up to 100 ms a turn; queued here, the next write starts the moment the last one commits.
/// Writes elsewhere still meet the busy handler, which is why it stays configured. Unused on PostgreSQL.
/// </summary>
public sealed class SqliteWriteGate
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken);
        return new Exit(_gate);
    }

    private sealed class Exit(SemaphoreSlim gate) : IDisposable
    {
        private SemaphoreSlim? _gate = gate;

        public void Dispose() => Interlocked.Exchange(ref _gate, null)?.Release();
    }
}
