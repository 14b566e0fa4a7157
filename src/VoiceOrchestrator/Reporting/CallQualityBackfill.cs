using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Providers.Twilio;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Reporting;

/// <summary>
/// Fills finished Twilio calls' quality figures from Voice Insights call summaries. Twilio completes
/// a summary about 30 minutes after the call, so calls are read from then until a day later; a call
/// whose summary has no figures (or which Twilio has no summary for) is marked
/// <see cref="Unavailable"/> and counted among calls without metrics, never given invented ones.
/// Runs only when Twilio credentials are configured.
/// </summary>
public sealed class CallQualityBackfill(IServiceScopeFactory scopes, TimeProvider clock, ILogger<CallQualityBackfill> logger) : BackgroundService
{
    /// <summary>The <c>call_quality</c> of a call Voice Insights measured nothing on.</summary>
    public const string Unavailable = "unavailable";

    public static readonly TimeSpan SummaryDelay = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan Horizon = TimeSpan.FromDays(1);
    private const int Batch = 200;

    /// <summary>Reads the summaries of calls due now; the number of calls settled.</summary>
    public async Task<int> RunOnceAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var client = scope.ServiceProvider.GetRequiredService<VoiceInsightsClient>();
        if (!client.IsConfigured)
        {
            return 0;
        }

        var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
        var now = clock.GetUtcNow().UtcDateTime;
        var settled = 0;
        foreach (var workspace in await db.Workspaces.Select(w => w.Id).ToListAsync(cancellationToken))
        {
            var due = await db.Calls
                .Where(c => c.WorkspaceId == workspace && c.EndedAt != null && c.EndedAt <= now - SummaryDelay && c.EndedAt >= now - Horizon
                    && c.TwilioCallSid != null && c.CallQuality == null && c.Jitter == null && c.PacketLoss == null && c.MosScore == null)
                .Select(c => new { c.Id, c.TwilioCallSid })
                .Take(Batch)
                .ToListAsync(cancellationToken);
            foreach (var call in due)
            {
                var figures = await client.GetFiguresAsync(call.TwilioCallSid!, cancellationToken);
                if (figures is { Complete: false })
                {
                    continue;
                }

                await db.Calls.Where(c => c.Id == call.Id && c.CallQuality == null).ExecuteUpdateAsync(s => s
                    .SetProperty(c => c.Jitter, figures == null ? null : figures.JitterMs)
                    .SetProperty(c => c.PacketLoss, figures == null ? null : figures.PacketLossPercent)
                    .SetProperty(c => c.MosScore, figures == null ? null : figures.Mos)
                    .SetProperty(c => c.CallQuality, figures != null && figures.HasFigures ? null : Unavailable), cancellationToken);
                settled++;
            }
        }

        return settled;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(ex, "Reading Voice Insights call summaries failed; retrying later");
            }

            try
            {
                await Task.Delay(TimeSpan.FromMinutes(5), clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
