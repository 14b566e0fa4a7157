using System.Collections.Concurrent;

namespace VoiceOrchestrator.Simulator;

/// <summary>Lock-free counters of one simulation epoch (see <see cref="SimulationEpoch"/>).</summary>
internal sealed class SimulatorCounters
{
    private long _totalRequests;
    private long _acceptedDials;
    private long _rejectedCapacity;
    private long _rejectedOther;
    private long _faultsInjected;
    private long _completed;
    private long _failed;
    private long _webhooksPending;
    private long _webhooksSent;
    private long _webhooksFailed;
    private readonly ConcurrentDictionary<string, int> _dialsByNumber = new(StringComparer.Ordinal);

    public void DialRequested() => Interlocked.Increment(ref _totalRequests);

    public void DialAccepted(string toNumber)
    {
        Interlocked.Increment(ref _acceptedDials);
        _dialsByNumber.AddOrUpdate(toNumber, 1, static (_, count) => count + 1);
    }

    public void DialRejectedForCapacity() => Interlocked.Increment(ref _rejectedCapacity);

    public void DialRejectedOtherwise() => Interlocked.Increment(ref _rejectedOther);

    public void FaultInjected() => Interlocked.Increment(ref _faultsInjected);

    public void CallCompleted() => Interlocked.Increment(ref _completed);

    public void CallFailed() => Interlocked.Increment(ref _failed);

    public void WebhookQueued() => Interlocked.Increment(ref _webhooksPending);

    public void WebhookDelivered(bool succeeded)
    {
        if (succeeded)
        {
            Interlocked.Increment(ref _webhooksSent);
        }
        else
        {
            Interlocked.Increment(ref _webhooksFailed);
        }

        Interlocked.Decrement(ref _webhooksPending);
    }

    public void WebhookDropped() => Interlocked.Decrement(ref _webhooksPending);

    public SimulatorStatsSnapshot Snapshot(int activeCalls, int maxConcurrency, SimulatorOptions options) => new(
        ActiveCalls: activeCalls,
        MaxConcurrency: maxConcurrency,
        TotalRequests: Interlocked.Read(ref _totalRequests),
        AcceptedDials: Interlocked.Read(ref _acceptedDials),
        RejectedCapacity: Interlocked.Read(ref _rejectedCapacity),
        RejectedOther: Interlocked.Read(ref _rejectedOther),
        DialsByNumber: new Dictionary<string, int>(_dialsByNumber, StringComparer.Ordinal),
        Completed: Interlocked.Read(ref _completed),
        Failed: Interlocked.Read(ref _failed),
        WebhooksSent: Interlocked.Read(ref _webhooksSent),
        WebhooksFailed: Interlocked.Read(ref _webhooksFailed),
        WebhooksPending: Interlocked.Read(ref _webhooksPending),
        FaultsInjected: Interlocked.Read(ref _faultsInjected),
        ConcurrencyLimit: options.ConcurrencyLimit,
        ExternalActiveCalls: options.ExternalActiveCalls);
}
