using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Providers.ElevenLabs;

namespace VoiceOrchestrator.Observability;

public static class ObservabilityExtensions
{
    /// <summary>Metrics (Prometheus, OTLP when configured) and the log masking of phone numbers.</summary>
    public static IServiceCollection AddObservability(this IServiceCollection services, OrchestratorOptions settings)
    {
        services.AddMetrics();
        services.AddSingleton<MetricsSnapshot>();
        services.AddSingleton<OrchestratorMetrics>();
        services.AddSingleton<PrometheusExporter>();
        // Listening starts with the host, not at the first scrape: what happens before it counts too.
        services.AddHostedService<MetricsListenerStart>();
        services.AddTransient<ProviderRequestMetricsHandler>();
        // The same named client the dispatcher configures; this only adds the timing handler to it.
        services.AddHttpClient<ElevenLabsClient>().AddHttpMessageHandler<ProviderRequestMetricsHandler>();
        services.AddHostedService<OtlpMetricsExport>();
        if (!settings.Operations.LogPhoneNumbers)
        {
            MaskPhoneNumbersInConsoleLogs(services);
        }

        return services;
    }

    /// <summary>First in the pipeline, so that every log line of a request carries its correlation id.</summary>
    public static IApplicationBuilder UseCorrelationId(this IApplicationBuilder app) => app.UseMiddleware<CorrelationIdMiddleware>();

    private static void MaskPhoneNumbersInConsoleLogs(IServiceCollection services)
    {
        var console = services.FirstOrDefault(d => d.ServiceType == typeof(ILoggerProvider) && d.ImplementationType == typeof(ConsoleLoggerProvider));
        if (console is null)
        {
            return;
        }

        services.Remove(console);
        services.AddSingleton<ILoggerProvider>(sp => new PhoneMaskingLoggerProvider(
            new ConsoleLoggerProvider(sp.GetRequiredService<IOptionsMonitor<ConsoleLoggerOptions>>(), sp.GetServices<ConsoleFormatter>())));
    }
}
