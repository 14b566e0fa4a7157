using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Campaigns;

/// <summary>Reads campaigns, and creates the one a bulk request names when it does not exist yet.</summary>
public sealed class CampaignDirectory(OrchestratorDbContext db, TimeProvider clock)
{
    public Task<Campaign?> FindAsync(string workspaceId, string campaignId, CancellationToken cancellationToken) =>
        db.Campaigns.FirstOrDefaultAsync(c => c.WorkspaceId == workspaceId && c.Id == campaignId, cancellationToken);

    /// <summary>
    /// Adds the campaign inside the caller's transaction, with the bulk request's settings. Two
    /// requests naming the same new campaign at once both succeed: the second insert does nothing.
    /// </summary>
    public async Task CreateForBulkAsync(string workspaceId, string campaignId, GateMode gateMode, BulkIntake bulk, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        var status = SnakeCaseEnumConverter<CampaignStatus>.ToName(CampaignStatus.Active);
        var mode = gateMode.ToWire();
        await db.Database.ExecuteSqlAsync(
            $"""
            INSERT INTO campaigns (workspace_id, id, name, status, concurrency, gate_mode, machine_detection_timeout,
                                   enable_machine_detection, metadata, created_at, updated_at)
            VALUES ({workspaceId}, {campaignId}, {campaignId}, {status}, {bulk.Concurrency}, {mode}, {bulk.MachineDetectionTimeout},
                    {bulk.EnableMachineDetection}, {null}, {now}, {now})
            ON CONFLICT DO NOTHING
            """, cancellationToken);
    }
}
