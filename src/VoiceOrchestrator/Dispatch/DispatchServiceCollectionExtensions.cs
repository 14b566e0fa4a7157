using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Providers;
using VoiceOrchestrator.Providers.ElevenLabs;
using VoiceOrchestrator.Providers.GenericProvider;
using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator.Dispatch;

public static class DispatchServiceCollectionExtensions
{
    public static IServiceCollection AddDispatch(this IServiceCollection services, OrchestratorOptions settings)
    {
        services.AddSingleton<ProviderEndpoints>();
        services.AddSingleton<DemoEmulatorHost>();
        services.AddSingleton<DispatchSignal>();
        services.AddSingleton<EarlyEvents>();
        services.AddSingleton<ActiveSlots>();
        services.AddSingleton<PhoneNumberCache>();
        services.AddSingleton<SqliteWriteGate>();
        services.AddSingleton<SqliteGroupCommit>();
        services.AddSingleton<PostgresTransitionBatches>();
        services.AddSingleton<DispatcherLeaseKeeper>();
        services.AddRemoteActiveCalls(settings);
        services.AddSingleton<CallDispatcher>();
        services.AddScoped<CallTransitions>();
        services.AddScoped<CallSettlement>();
        services.AddScoped<CallClaimer>();
        services.AddScoped<CallDialer>();
        services.AddGenericProvider(settings);
        services.AddScoped<CallReconciler>();
        services.AddScoped<ProviderEventHandler>();

        // No retry or resilience handler here on purpose: a replayed call-creating POST can ring a
        // person twice. Whether a call is tried again is decided by the dispatcher alone.
        services.AddHttpClient<ElevenLabsClient>((sp, http) =>
            {
                http.BaseAddress = sp.GetRequiredService<ProviderEndpoints>().ElevenLabs;
                http.Timeout = TimeSpan.FromMilliseconds(settings.ElevenLabsTimeoutMs);
                http.DefaultRequestHeaders.Add(ElevenLabsClient.ApiKeyHeader, settings.ElevenLabsApiKey ?? "demo");
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(5),
            });
        return services;
    }
}
