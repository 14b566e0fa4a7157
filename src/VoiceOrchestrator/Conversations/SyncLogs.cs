using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Conversations;

/// <summary>Sync log rows: one per sync run, written as it starts, as it goes and as it ends.</summary>
public sealed class SyncLogs(OrchestratorDbContext db, TimeProvider clock)
{
    public const string Webhook = "webhook";
    public const string Polling = "polling";
    public const string Manual = "manual";

    public const string Success = "success";
    public const string Failed = "failed";
    public const string InProgress = "in_progress";

    public async Task<SyncLog> StartAsync(string workspaceId, string type, CancellationToken cancellationToken)
    {
        var log = new SyncLog { Id = Guid.CreateVersion7(), WorkspaceId = workspaceId, Type = type, StartedAt = clock.GetUtcNow().UtcDateTime, Status = InProgress };
        db.SyncLogs.Add(log);
        await db.SaveChangesAsync(cancellationToken);
        db.Entry(log).State = EntityState.Detached;
        return log;
    }

    /// <summary>Records progress (and the end, when <paramref name="status"/> is final). Not cancellable: the outcome must land.</summary>
    public async Task SaveAsync(SyncLog log, string status)
    {
        log.Status = status;
        if (status != InProgress)
        {
            log.CompletedAt = clock.GetUtcNow().UtcDateTime;
        }

        await db.SyncLogs.Where(l => l.Id == log.Id).ExecuteUpdateAsync(s => s
            .SetProperty(l => l.RecordsSynced, log.RecordsSynced)
            .SetProperty(l => l.RecordsFailed, log.RecordsFailed)
            .SetProperty(l => l.Error, log.Error)
            .SetProperty(l => l.Status, log.Status)
            .SetProperty(l => l.CompletedAt, log.CompletedAt), CancellationToken.None);
    }

    /// <summary>A one-line failed log, for writes that failed outside any run (a webhook that could not be stored).</summary>
    public async Task RecordFailureAsync(string workspaceId, string type, string error)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        db.SyncLogs.Add(new SyncLog
        {
            Id = Guid.CreateVersion7(), WorkspaceId = workspaceId, Type = type, RecordsFailed = 1, Error = Truncate(error),
            StartedAt = now, CompletedAt = now, Status = Failed,
        });
        await db.SaveChangesAsync(CancellationToken.None);
    }

    public Task<List<SyncLog>> RecentAsync(string workspaceId, int count, CancellationToken cancellationToken) =>
        db.SyncLogs.Where(l => l.WorkspaceId == workspaceId).OrderByDescending(l => l.StartedAt).Take(count).ToListAsync(cancellationToken);

    public static string Truncate(string text) => text.Length <= 1000 ? text : text[..1000];
}
