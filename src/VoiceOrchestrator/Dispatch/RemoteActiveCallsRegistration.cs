using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Providers;
using VoiceOrchestrator.Providers.ElevenLabs;

namespace VoiceOrchestrator.Dispatch;

public static class RemoteActiveCallsRegistration
{
    /// <summary>The poller is the dispatcher's <see cref="IRemoteActiveCalls"/>; it polls only when ELEVENLABS_ACTIVE_CALLS_URL is set.</summary>
    public static IServiceCollection AddRemoteActiveCalls(this IServiceCollection services, OrchestratorOptions settings)
    {
        services.AddSingleton<RemoteActiveCallsPoller>();
        services.AddSingleton<IRemoteActiveCalls>(sp => sp.GetRequiredService<RemoteActiveCallsPoller>());
        services.AddHostedService(sp => sp.GetRequiredService<RemoteActiveCallsPoller>());
        services.AddHttpClient(RemoteActiveCallsPoller.HttpClientName, http =>
        {
            // A poll that hangs longer than its interval is a failed poll, not a stalled figure.
            http.Timeout = TimeSpan.FromMilliseconds(Math.Clamp(settings.PollingIntervalMs, 1000, 10_000));
            http.DefaultRequestHeaders.Add(ElevenLabsClient.ApiKeyHeader, settings.ElevenLabsApiKey ?? "demo");
        });
        return services;
    }
}
