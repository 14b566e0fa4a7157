using Microsoft.Extensions.Logging;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// One loop that runs every call transition when it falls due. Thousands of ringing and talking calls cost
/// one priority-queue entry each instead of a timer or a parked task each.
/// </summary>
internal sealed partial class DueWorkScheduler(ILogger logger)
{
    private const int MaxBatch = 1024;

    private readonly Lock _lock = new();
    private readonly PriorityQueue<ScheduledWork, long> _queue = new();
    private readonly SemaphoreSlim _wake = new(0);

    // The due time the loop sleeps until; long.MinValue while it is awake (it looks at the queue again before sleeping).
    private long _sleepsUntil = long.MinValue;

    public void Schedule(ScheduledWork work, int delayMs)
    {
        var dueAt = Environment.TickCount64 + delayMs;
        bool wake;
        lock (_lock)
        {
            _queue.Enqueue(work, dueAt);
            wake = dueAt < _sleepsUntil;
            if (wake)
            {
                _sleepsUntil = long.MinValue;
            }
        }

        if (wake)
        {
            _wake.Release();
        }
    }

    public async Task RunAsync(Action<ScheduledWork> handle, CancellationToken stoppingToken)
    {
        var due = new List<ScheduledWork>(MaxBatch);
        while (!stoppingToken.IsCancellationRequested)
        {
            var sleepMs = TakeDue(due);
            if (due.Count > 0)
            {
                foreach (var work in due)
                {
                    try
                    {
                        handle(work);
                    }
                    catch (Exception exception)
                    {
                        LogWorkFailed(exception, work.Kind, work.Conversation.ConversationId);
                    }
                }

                due.Clear();
                continue;
            }

            try
            {
                await _wake.WaitAsync(sleepMs, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Moves due work into <paramref name="due"/>; returns how long to sleep when none was due.</summary>
    private int TakeDue(List<ScheduledWork> due)
    {
        lock (_lock)
        {
            var now = Environment.TickCount64;
            while (due.Count < MaxBatch && _queue.TryPeek(out var work, out var dueAt) && dueAt <= now)
            {
                _queue.Dequeue();
                due.Add(work);
            }

            if (due.Count > 0)
            {
                _sleepsUntil = long.MinValue;
                return 0;
            }

            if (_queue.TryPeek(out _, out var nextDueAt))
            {
                _sleepsUntil = nextDueAt;
                return (int)Math.Min(nextDueAt - now, int.MaxValue);
            }

            _sleepsUntil = long.MaxValue;
            return Timeout.Infinite;
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Simulator work {Kind} for {ConversationId} failed")]
    private partial void LogWorkFailed(Exception exception, WorkKind kind, string conversationId);
}
