namespace VoiceOrchestrator.Dispatch;

/// <summary>
/// Wakes the dispatcher of this process at once: after an intake (new work), after a slot was
/// freed, or after a call was put back in the queue. Other instances are found by polling.
/// </summary>
public sealed class DispatchSignal
{
    private readonly SemaphoreSlim _signal = new(0, 1);
    private volatile bool _newWork;

    /// <summary>New or re-queued calls exist: the dispatcher should look for new groups of calls.</summary>
    public bool TakeNewWork()
    {
        var newWork = _newWork;
        _newWork = false;
        return newWork;
    }

    public void NewWork()
    {
        _newWork = true;
        Wake();
    }

    public void SlotFreed() => Wake();

    /// <summary>Waits for a wake-up or the timeout; true when woken.</summary>
    public async Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            return await _signal.WaitAsync(timeout, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            // Shutdown: the caller checks its token.
            return false;
        }
    }

    private void Wake()
    {
        try
        {
            if (_signal.CurrentCount == 0)
            {
                _signal.Release();
            }
        }
        catch (SemaphoreFullException)
        {
            // Already signalled.
        }
    }
}
