using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;

namespace VoiceOrchestrator.Reporting.Retention;

/// <summary>
/// Runs retention once at start-up (catching up on days missed while the service was down) and
/// then every day at <see cref="OrchestratorOptions.RetentionHourUtc"/>, each time followed by the
/// day summaries of the raw days, so that reports find them ready. Several instances may run
/// it at once: each day moves in one transaction, so the second finds nothing left to move.
/// </summary>
public sealed class RetentionService(RetentionRunner runner, TimeProvider clock, IOptions<OrchestratorOptions> options, ILogger<RetentionService> logger)
    : BackgroundService
{
    private readonly TaskCompletionSource _catchUp = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes when the start-up catch-up has finished (successfully or not).</summary>
    public Task CatchUp => _catchUp.Task;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await Task.Yield();
        await RunOnceAsync(stoppingToken);
        _catchUp.TrySetResult();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(UntilNextRun(clock.GetUtcNow().UtcDateTime, options.Value.RetentionHourUtc), clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            await RunOnceAsync(stoppingToken);
        }
    }

    public override Task StopAsync(CancellationToken cancellationToken)
    {
        _catchUp.TrySetResult();
        return base.StopAsync(cancellationToken);
    }

    internal static TimeSpan UntilNextRun(DateTime now, int hourUtc)
    {
        var next = now.Date.AddHours(hourUtc);
        if (next <= now)
        {
            next = next.AddDays(1);
        }

        return next - now;
    }

    private async Task RunOnceAsync(CancellationToken stoppingToken)
    {
        try
        {
            await runner.RunAsync(stoppingToken);
            await runner.SummariseRawDaysAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            // Nothing half-done is left behind (each day is one transaction); the next run retries.
            logger.LogError(ex, "Retention run failed; it will be retried at the next run");
        }
    }
}
