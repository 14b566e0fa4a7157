using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Compat.SlotScheduler;

/// <summary>
/// <c>GET /stats</c>. The slot figures are global, as the provider limit is: <c>availableSlots =
/// limit − remoteActive − localInFlight</c> (never below 0). The queue figures are the workspace's.
/// </summary>
public sealed record SchedulerStats(
    int Limit,
    int RemoteActive,
    int LocalInFlight,
    int AvailableSlots,
    int QueueSize,
    IReadOnlyDictionary<string, int> QueueByPriority,
    int WorkspaceInFlight,
    SchedulerPollStats Polling,
    SchedulerDispatcherStats Dispatcher);

/// <summary>The remote active-call poll: mode is <c>disabled</c>, <c>remote</c>, <c>stale</c> (last good figure kept) or <c>local_fallback</c>.</summary>
public sealed record SchedulerPollStats(
    string Mode,
    string? Url,
    string Strategy,
    IReadOnlyList<string> Statuses,
    int IntervalMs,
    int StaleAfterMs,
    DateTime? LastPollAt,
    string? LastPollResult,
    string? LastError,
    DateTime? LastSuccessAt,
    int? LastGoodCount,
    int Batches,
    int Pages);

/// <summary>Which instance holds the dispatcher lease, and which instance answered.</summary>
public sealed record SchedulerDispatcherStats(string? Instance, DateTime? LeaseExpiresAt, string ThisInstance, bool IsThisInstance);

public sealed class SchedulerStatsReader(
    OrchestratorDbContext db, RemoteActiveCallsPoller poller, DispatcherLeaseKeeper lease, IOptions<OrchestratorOptions> options)
{
    public async Task<SchedulerStats> ReadAsync(string workspaceId, CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var remote = poller.Status;
        var active = await QueueView.ActiveCalls(db)
            .GroupBy(c => c.WorkspaceId == workspaceId)
            .Select(g => new { Mine = g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var localInFlight = active.Sum(a => a.Count);
        var byPriority = await db.Calls
            .Where(c => c.WorkspaceId == workspaceId && c.State == CallState.Queued)
            .GroupBy(c => c.Priority)
            .Select(g => new { Priority = g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        var holder = await db.DispatcherLeases.Where(l => l.Name == DispatcherLeaseKeeper.LeaseName)
            .Select(l => new { l.Holder, l.ExpiresAt })
            .FirstOrDefaultAsync(cancellationToken);

        return new SchedulerStats(
            settings.ConcurrencyLimit,
            remote.Count,
            localInFlight,
            Math.Max(0, settings.ConcurrencyLimit - remote.Count - localInFlight),
            byPriority.Sum(p => p.Count),
            byPriority.OrderByDescending(p => p.Priority).ToDictionary(p => p.Priority.ToString(System.Globalization.CultureInfo.InvariantCulture), p => p.Count),
            active.Where(a => a.Mine).Sum(a => a.Count),
            new SchedulerPollStats(
                ModeName(remote.Mode),
                remote.Url,
                remote.Strategy,
                remote.Statuses,
                settings.PollingIntervalMs,
                (int)remote.StaleAfter.TotalMilliseconds,
                remote.LastPollAt,
                remote.LastPollOk switch { true => "ok", false => "failed", null => null },
                remote.LastError,
                remote.LastSuccessAt,
                remote.LastGoodCount,
                remote.Batches,
                remote.Pages),
            new SchedulerDispatcherStats(
                holder is not null && holder.ExpiresAt > DateTime.UtcNow ? holder.Holder : null,
                holder?.ExpiresAt,
                lease.InstanceId,
                lease.IsHeld));
    }

    private static string ModeName(RemoteCountMode mode) => mode switch
    {
        RemoteCountMode.Disabled => "disabled",
        RemoteCountMode.Remote => "remote",
        RemoteCountMode.Stale => "stale",
        _ => "local_fallback",
    };
}
