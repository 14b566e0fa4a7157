using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Campaigns;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Dispatch;

/// <summary>What the dispatcher reads of the queue: the groups with due calls, and the active calls.</summary>
public static class QueueView
{
    /// <summary>
    /// Groups with calls due now, without paused or cancelled campaigns, with each group's
    /// concurrency (the campaign's when there is one, else the calls' own).
    /// </summary>
    public static async Task<List<QueuedGroup>> DueGroupsAsync(OrchestratorDbContext db, DateTime now, CancellationToken cancellationToken)
    {
        var rows = await db.Calls
            .Where(c => c.State == CallState.Queued && (c.NextAttemptAt == null || c.NextAttemptAt <= now))
            .GroupBy(c => new { c.WorkspaceId, c.CampaignId, c.BatchId, c.Lane })
            .Select(g => new { g.Key.WorkspaceId, g.Key.CampaignId, g.Key.BatchId, g.Key.Lane, MaxPriority = g.Max(c => c.Priority), Queued = g.Count(), Concurrency = g.Min(c => c.Concurrency) })
            .ToListAsync(cancellationToken);
        if (rows.Count == 0)
        {
            return [];
        }

        var campaignIds = rows.Where(r => r.CampaignId != null).Select(r => r.CampaignId!).Distinct().ToList();
        var campaigns = campaignIds.Count == 0
            ? []
            : await db.Campaigns.Where(c => campaignIds.Contains(c.Id)).Select(c => new { c.WorkspaceId, c.Id, c.Status, c.Concurrency }).ToListAsync(cancellationToken);
        var byKey = campaigns.ToDictionary(c => (c.WorkspaceId, c.Id));

        var groups = new List<QueuedGroup>(rows.Count);
        foreach (var row in rows)
        {
            var concurrency = row.Concurrency;
            if (row.CampaignId is not null && byKey.TryGetValue((row.WorkspaceId, row.CampaignId), out var campaign))
            {
                if (campaign.Status != CampaignStatus.Active)
                {
                    continue;
                }

                concurrency = campaign.Concurrency;
            }

            groups.Add(new QueuedGroup(new QueueGroup(row.WorkspaceId, row.CampaignId, row.BatchId, row.Lane), row.MaxPriority, row.Queued, concurrency));
        }

        return groups;
    }

    /// <summary>Workspace limits, and the workspaces that are disabled (limit 0: nothing of theirs is dialed).</summary>
    public static async Task<Dictionary<string, int>> WorkspaceLimitsAsync(OrchestratorDbContext db, CancellationToken cancellationToken)
    {
        var rows = await db.Workspaces.Where(w => w.ConcurrencyLimit != null || !w.IsActive)
            .Select(w => new { w.Id, w.ConcurrencyLimit, w.IsActive })
            .ToListAsync(cancellationToken);
        return rows.ToDictionary(w => w.Id, w => w.IsActive ? w.ConcurrencyLimit!.Value : 0, StringComparer.Ordinal);
    }

    /// <summary>The next due calls of one group to numbers not in a call: higher priority first, then oldest first.</summary>
    public static Task<List<Call>> CandidatesAsync(
        OrchestratorDbContext db, QueueGroup group, DateTime now, int count, List<string> busyNumbers, CancellationToken cancellationToken)
    {
        var query = db.Calls.Where(c => c.State == CallState.Queued && c.WorkspaceId == group.WorkspaceId && c.Lane == group.Lane
                                        && (c.NextAttemptAt == null || c.NextAttemptAt <= now));
        if (busyNumbers.Count > 0)
        {
            // Step over every number already in a call, so that repeats of one number cannot hold up the rest of the group.
            query = query.Where(c => !busyNumbers.Contains(c.ToNumber));
        }

        query = group.CampaignId is null ? query.Where(c => c.CampaignId == null) : query.Where(c => c.CampaignId == group.CampaignId);
        query = group.BatchId is null ? query.Where(c => c.BatchId == null) : query.Where(c => c.BatchId == group.BatchId);
        return query.OrderByDescending(c => c.Priority).ThenBy(c => c.Id).Take(count).ToListAsync(cancellationToken);
    }
}
