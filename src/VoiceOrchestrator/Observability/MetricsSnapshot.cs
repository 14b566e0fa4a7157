using System.Diagnostics.Metrics;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Observability;

/// <summary>
/// The gauges that only the database can answer for all instances: calls by workspace and state,
/// queue depth, slots in use and the lease holder. Read at most every <see cref="MaxAge"/>: a scrape
/// waits for a fresh read; other readers (the OTLP exporter) get the last one and start a new read.
/// </summary>
public sealed class MetricsSnapshot(IServiceScopeFactory scopes, TimeProvider clock, ILogger<MetricsSnapshot> logger)
{
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(2);

    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private Values _values = Values.Empty;
    private long? _readAt;

    public int SlotsInUse => _values.SlotsInUse;

    public async Task RefreshIfStaleAsync(CancellationToken cancellationToken)
    {
        if (!IsStale)
        {
            return;
        }

        await _refreshing.WaitAsync(cancellationToken);
        try
        {
            if (IsStale)
            {
                _values = await ReadAsync(cancellationToken);
                _readAt = clock.GetTimestamp();
            }
        }
        finally
        {
            _refreshing.Release();
        }
    }

    public IEnumerable<Measurement<long>> CallsByWorkspaceAndState()
    {
        RefreshInBackground();
        return _values.Calls.Select(c => new Measurement<long>(c.Count,
            new KeyValuePair<string, object?>("workspace", c.WorkspaceId), new KeyValuePair<string, object?>("state", c.State.ToWire())));
    }

    public IEnumerable<Measurement<long>> QueueDepth() =>
        _values.Queue.Select(q => new Measurement<long>(q.Count,
            new KeyValuePair<string, object?>("lane", q.Lane.ToString().ToLowerInvariant()), new KeyValuePair<string, object?>("priority", q.Priority)));

    public IEnumerable<Measurement<int>> LeaseHolder() =>
        _values.LeaseHolder is { } holder ? [new Measurement<int>(1, new KeyValuePair<string, object?>("holder", holder))] : [];

    private bool IsStale => _readAt is not { } at || clock.GetElapsedTime(at) >= MaxAge;

    private void RefreshInBackground()
    {
        if (IsStale && _refreshing.CurrentCount > 0)
        {
            _ = Task.Run(async () =>
            {
                try
                {
                    await RefreshIfStaleAsync(CancellationToken.None);
                }
                catch (Exception ex)
                {
                    logger.LogWarning(ex, "Could not read the metric counts from the database");
                }
            });
        }
    }

    private async Task<Values> ReadAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
        var calls = await db.Calls.GroupBy(c => new { c.WorkspaceId, c.State })
            .Select(g => new CallCount(g.Key.WorkspaceId, g.Key.State, g.LongCount()))
            .ToListAsync(cancellationToken);
        var queue = await db.Calls.Where(c => c.State == CallState.Queued).GroupBy(c => new { c.Lane, c.Priority })
            .Select(g => new QueueCount(g.Key.Lane, g.Key.Priority, g.LongCount()))
            .ToListAsync(cancellationToken);
        var now = clock.GetUtcNow().UtcDateTime;
        var holder = await db.DispatcherLeases.Where(l => l.Name == DispatcherLeaseKeeper.LeaseName && l.Holder != null && l.ExpiresAt > now)
            .Select(l => l.Holder).FirstOrDefaultAsync(cancellationToken);
        var inUse = calls.Where(c => c.State.HoldsSlot()).Sum(c => c.Count);
        return new Values(calls, queue, (int)inUse, holder);
    }

    private sealed record CallCount(string WorkspaceId, CallState State, long Count);

    private sealed record QueueCount(CallLane Lane, int Priority, long Count);

    private sealed record Values(List<CallCount> Calls, List<QueueCount> Queue, int SlotsInUse, string? LeaseHolder)
    {
        public static readonly Values Empty = new([], [], 0, null);
    }
}
