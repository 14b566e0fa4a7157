using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Dispatch;

namespace VoiceOrchestrator.Providers.GenericProvider;

public static class GenericProviderRegistration
{
    public static IServiceCollection AddGenericProvider(this IServiceCollection services, OrchestratorOptions settings)
    {
        services.AddScoped<GenericCallDialer>();
        // No retry handler, as for ElevenLabs: a replayed call-creating POST can ring a person twice.
        services.AddHttpClient<GenericProviderClient>(http =>
        {
            if (settings.AiCallApiUrl is { } url)
            {
                http.BaseAddress = new Uri(url);
            }

            http.Timeout = TimeSpan.FromMilliseconds(settings.ElevenLabsTimeoutMs);
            if (settings.AiCallApiKey is { } key)
            {
                http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
            }
        });
        return services;
    }
}
