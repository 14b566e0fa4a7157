using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Tenancy;

namespace VoiceOrchestrator.Hosting;

/// <summary>
/// Runs before the server takes requests: applies migrations, and in demo mode seeds the demo
/// workspace and prints how to use it.
/// </summary>
public sealed class StartupTasks(IServiceProvider services, IOptions<OrchestratorOptions> options, ILogger<StartupTasks> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        await OrchestratorApp.MigrateAsync(services, cancellationToken);
        foreach (var ignored in settings.Database.IgnoredParameters)
        {
            logger.LogInformation("DATABASE_URL parameter '{Parameter}' is not used by this service and was ignored", ignored);
        }

        if (settings.DemoMode)
        {
            await using var scope = services.CreateAsyncScope();
            var demo = await scope.ServiceProvider.GetRequiredService<DemoWorkspaceSeeder>().SeedAsync(cancellationToken);
            Console.WriteLine(DemoBanner.Render(settings, demo));
        }

        logger.LogInformation("VoiceOrchestrator started: {Configuration}", ConfigurationSummary.Describe(settings));
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
