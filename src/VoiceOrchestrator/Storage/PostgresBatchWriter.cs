using Npgsql;

namespace VoiceOrchestrator.Storage;

/// <summary>
/// Writes small PostgreSQL writes that arrive together (a wave of webhooks brings dozens at once) in
/// batches of one round trip each, from a thread of its own on one connection of its own. On two
/// cores, a write per statement, each on its own connection, meant twenty server processes running
/// at once: the server's time went into switching between them and into each statement's fixed
/// cost, and the one write a freed slot waited for queued behind all the others. The thread has
/// blocking I/O because a burst of webhooks also fills the thread pool's queue, and a batch waiting
/// there (once to start, again after each await) held every slot of the wave for tens of milliseconds.
/// A caller waits for the batch that holds its write. Two writes with one key never share a batch,
/// nor are they in two batches at once: the later one waits for a batch after the earlier one's, so
/// they apply in the order they came.
/// With more than one writer thread, a write that arrives while a batch is being written starts in a
/// batch of its own instead of waiting for that one to finish.
/// </summary>
public abstract class PostgresBatchWriter<TItem, TResult>(string connectionString, string name, ILogger logger, int writers = 1) : IDisposable
    where TItem : notnull
{
    /// <summary>At most this many writes share a batch, so that one batch holds its rows briefly.</summary>
    private const int MaxBatch = 256;

    /// <summary>Guards the queue; the writer thread waits on it (Monitor.Wait) for work.</summary>
    private readonly object _lock = new();
    private readonly LinkedList<Pending> _queue = new();

    /// <summary>The keys of the writes in batches being written: a later write of one of them waits.</summary>
    private readonly HashSet<object> _keysInFlight = [];
    private Thread[]? _writers;
    private bool _stopping;
    private int _batchesTaken;

    /// <summary>Writes waiting for a batch.</summary>
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

    /// <summary>Batches taken so far, each written in one round trip unless it failed.</summary>
    internal int BatchesTaken => Volatile.Read(ref _batchesTaken);

    /// <summary>The key that two writes of one batch must not share (the row they write).</summary>
    protected abstract object KeyOf(TItem item);

    /// <summary>Writes the batch, atomically (it changes nothing if it fails); returns one result per item, in order.</summary>
    protected abstract IReadOnlyList<TResult> Execute(NpgsqlConnection connection, IReadOnlyList<TItem> items);

    /// <summary>
    /// Writes <paramref name="item"/> in the next batch that can take it and returns its result once committed.
    /// <paramref name="committed"/> is called by the writer right after the commit, before the caller resumes.
    /// </summary>
    protected Task<TResult> EnqueueAsync(TItem item, Action<TResult>? committed, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new Pending(item, committed, cancellationToken);
        lock (_lock)
        {
            ObjectDisposedException.ThrowIf(_stopping, this);
            _queue.AddLast(pending);
            if (_writers is null)
            {
                _writers = [.. Enumerable.Range(0, Math.Max(1, writers)).Select(_ => new Thread(WriteWhileRunning) { IsBackground = true, Name = name })];
                foreach (var writer in _writers)
                {
                    writer.Start();
                }
            }

            Monitor.Pulse(_lock);
        }

        return pending.Result.Task;
    }

    /// <summary>Stops the writer once everything queued is written.</summary>
    public void Dispose()
    {
        Thread[] threads;
        lock (_lock)
        {
            _stopping = true;
            threads = _writers ?? [];
            Monitor.PulseAll(_lock);
        }

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        foreach (var thread in threads)
        {
            thread.Join(Max(deadline - DateTime.UtcNow, TimeSpan.Zero));
        }

        GC.SuppressFinalize(this);
    }

    private void WriteWhileRunning()
    {
        NpgsqlConnection? connection = null;
        var batch = new List<Pending>();
        while (TakeBatch(batch))
        {
            try
            {
                if (connection?.State != System.Data.ConnectionState.Open)
                {
                    connection?.Dispose();
                    connection = new NpgsqlConnection(connectionString);
                    connection.Open();
                }

                Write(connection, batch);
            }
            catch (Exception ex)
            {
                // Failed before the batch could be retried write by write (no connection): nothing of it was written.
                foreach (var pending in batch)
                {
                    pending.Result.TrySetException(ex);
                }
            }

            Done(batch);
            batch.Clear();
        }

        connection?.Dispose();
    }

    /// <summary>The batch's keys are free again; a writer waiting for one of them looks at the queue again.</summary>
    private void Done(List<Pending> batch)
    {
        lock (_lock)
        {
            foreach (var pending in batch)
            {
                _keysInFlight.Remove(KeyOf(pending.Item));
            }

            // Stopping, every writer waiting must see it too, or it waits for work that never comes.
            if (_stopping)
            {
                Monitor.PulseAll(_lock);
            }
            else if (_queue.Count > 0)
            {
                Monitor.Pulse(_lock);
            }
        }
    }

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;

    /// <summary>
    /// Writes the batch. If it fails, it changed nothing, so each write is tried again alone: one that cannot be
    /// written fails only its own caller.
    /// </summary>
    private void Write(NpgsqlConnection connection, List<Pending> batch)
    {
        IReadOnlyList<TResult> results;
        try
        {
            results = Execute(connection, [.. batch.Select(p => p.Item)]);
        }
        catch (Exception ex) when (batch.Count > 1 && connection.State == System.Data.ConnectionState.Open)
        {
            logger.LogWarning(ex, "A batch of {Count} writes failed; writing them one by one", batch.Count);
            foreach (var pending in batch)
            {
                try
                {
                    Complete(pending, Execute(connection, [pending.Item])[0]);
                }
                catch (Exception single)
                {
                    pending.Result.TrySetException(single);
                }
            }

            return;
        }

        for (var i = 0; i < batch.Count; i++)
        {
            Complete(batch[i], results[i]);
        }
    }

    private static void Complete(Pending pending, TResult result)
    {
        try
        {
            pending.Committed?.Invoke(result);
            pending.Result.TrySetResult(result);
        }
        catch (Exception ex)
        {
            // Only this caller hears of it; the others' writes are committed and theirs to report.
            pending.Result.TrySetException(ex);
        }
    }

    /// <summary>
    /// Waits for writes and takes them in order, leaving a second write of a key (in this batch or in one being
    /// written) for a later batch; false once stopping with nothing left to write.
    /// </summary>
    private bool TakeBatch(List<Pending> batch)
    {
        lock (_lock)
        {
            while (true)
            {
                var keys = new HashSet<object>(_keysInFlight);
                var node = _queue.First;
                while (batch.Count < MaxBatch && node is not null)
                {
                    var next = node.Next;
                    var pending = node.Value;
                    if (pending.CancellationToken.IsCancellationRequested)
                    {
                        // A caller that gave up before its batch began is not written.
                        _queue.Remove(node);
                        pending.Result.TrySetCanceled(pending.CancellationToken);
                    }
                    else if (keys.Add(KeyOf(pending.Item)))
                    {
                        _queue.Remove(node);
                        batch.Add(pending);
                    }

                    node = next;
                }

                if (batch.Count > 0)
                {
                    foreach (var pending in batch)
                    {
                        _keysInFlight.Add(KeyOf(pending.Item));
                    }

                    _batchesTaken++;
                    return true;
                }

                if (_stopping && _queue.Count == 0)
                {
                    return false;
                }

                Monitor.Wait(_lock);
            }
        }
    }

    private sealed class Pending(TItem item, Action<TResult>? committed, CancellationToken cancellationToken)
    {
        public TItem Item { get; } = item;
        public Action<TResult>? Committed { get; } = committed;
        public CancellationToken CancellationToken { get; } = cancellationToken;
        public TaskCompletionSource<TResult> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
