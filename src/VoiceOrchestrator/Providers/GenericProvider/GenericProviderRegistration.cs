using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Dispatch;

namespace VoiceOrchestrator.Providers.GenericProvider;

public static class GenericProviderRegistration
{
    public static IServiceCollection AddGenericProvider(this IServiceCollection services, OrchestratorOptions settings)
    {
        services.AddScoped<GenericCallDialer>();
        // No retry handler, as for ElevenLabs: a replayed call-creating POST can ring a person twice.
        services.AddHttpClient<GenericProviderClient>((sp, http) =>
        {
            // Demo mode without AI_CALL_API_URL: the in-process emulator serves this provider too.
            var emulator = sp.GetRequiredService<ProviderEndpoints>().Emulator;
            if (settings.AiCallApiUrl is { } url)
            {
                http.BaseAddress = new Uri(url);
            }
            else if (emulator is not null)
            {
                http.BaseAddress = new Uri(emulator, GenericProvider.EmulatorCallsPath);
            }

            http.Timeout = TimeSpan.FromMilliseconds(settings.ElevenLabsTimeoutMs);
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", settings.AiCallApiKey ?? "demo");
        });
        return services;
    }
}
