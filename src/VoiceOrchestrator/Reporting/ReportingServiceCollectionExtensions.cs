using VoiceOrchestrator.Reporting.Retention;

namespace VoiceOrchestrator.Reporting;

public static class ReportingServiceCollectionExtensions
{
    /// <summary>Report queries, the retention runner, and its daily schedule.</summary>
    public static IServiceCollection AddReporting(this IServiceCollection services)
    {
        services.AddScoped<ReportReader>();
        services.AddSingleton<RetentionFaults>();
        services.AddSingleton<RetentionRunner>();
        services.AddSingleton<RetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        return services;
    }
}
