using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Campaigns;

/// <summary>Set-based changes to a campaign's calls, each recording one history event per call.</summary>
public static class CampaignCalls
{
    /// <summary>Cancels every queued call of the campaign; must run inside the caller's transaction.</summary>
    public static async Task<int> CancelQueuedAsync(OrchestratorDbContext db, string workspaceId, string campaignId, DateTime now, CancellationToken cancellationToken)
    {
        if (db.Database.IsNpgsql())
        {
            // One statement: the events are written for exactly the rows the UPDATE changed, even while the dispatcher claims others.
            return await db.Database.ExecuteSqlAsync($"""
                WITH cancelled AS (
                    UPDATE calls SET state = 'cancelled', failure_reason = 'campaign_cancelled', ended_at = {now}, updated_at = {now}
                    WHERE workspace_id = {workspaceId} AND campaign_id = {campaignId} AND state = 'queued'
                    RETURNING id, attempts)
                INSERT INTO call_events (call_id, from_state, to_state, reason, attempt, at)
                SELECT id, 'queued', 'cancelled', 'campaign_cancelled', attempts, {now} FROM cancelled
                """, cancellationToken);
        }

        // SQLite has one writer at a time and the caller holds the write transaction, so the two statements see the same rows.
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO call_events (call_id, from_state, to_state, reason, attempt, at)
            SELECT id, 'queued', 'cancelled', 'campaign_cancelled', attempts, {now} FROM calls
            WHERE workspace_id = {workspaceId} AND campaign_id = {campaignId} AND state = 'queued'
            """, cancellationToken);
        return await db.Database.ExecuteSqlAsync($"""
            UPDATE calls SET state = 'cancelled', failure_reason = 'campaign_cancelled', ended_at = {now}, updated_at = {now}
            WHERE workspace_id = {workspaceId} AND campaign_id = {campaignId} AND state = 'queued'
            """, cancellationToken);
    }
}
