using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Hosting;

/// <summary>Ready means the database answers a query on the migrated schema.</summary>
public sealed class DatabaseHealthCheck(OrchestratorDbContext db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await db.Workspaces.AnyAsync(cancellationToken);
            return HealthCheckResult.Healthy(db.Database.IsNpgsql() ? "postgresql" : "sqlite");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return HealthCheckResult.Unhealthy("The database does not answer.", ex);
        }
    }
}
