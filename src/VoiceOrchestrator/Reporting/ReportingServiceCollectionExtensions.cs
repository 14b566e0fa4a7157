using VoiceOrchestrator.Providers.Twilio;
using VoiceOrchestrator.Reporting.Retention;

namespace VoiceOrchestrator.Reporting;

public static class ReportingServiceCollectionExtensions
{
    /// <summary>Report queries, the retention runner and its daily schedule, and the Voice Insights quality reader.</summary>
    public static IServiceCollection AddReporting(this IServiceCollection services)
    {
        services.AddScoped<ReportReader>();
        services.AddSingleton<RetentionFaults>();
        services.AddSingleton<RetentionRunner>();
        services.AddSingleton<RetentionService>();
        services.AddHostedService(sp => sp.GetRequiredService<RetentionService>());
        services.AddHttpClient<VoiceInsightsClient>(http => http.Timeout = TimeSpan.FromSeconds(15));
        services.AddSingleton<CallQualityBackfill>();
        services.AddHostedService(sp => sp.GetRequiredService<CallQualityBackfill>());
        return services;
    }
}
