using System.Net.Http.Headers;
using System.Text;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Dispatch;

namespace VoiceOrchestrator.Providers.Twilio;

public static class TwilioServiceCollectionExtensions
{
    /// <summary>The AMD bridge: Twilio REST client, CPS pacer, dialer, callback handling and reconciliation.</summary>
    public static IServiceCollection AddTwilioBridge(this IServiceCollection services, OrchestratorOptions settings)
    {
        services.AddSingleton<TwilioCallPacer>();
        services.AddScoped<TwilioAmdDialer>();
        services.AddScoped<TwilioBridge>();
        services.AddScoped<TwilioCallReconciler>();

        // As for ElevenLabs: no retry handler, a replayed create-call POST can ring a person twice.
        services.AddHttpClient<TwilioClient>((sp, http) =>
            {
                http.BaseAddress = sp.GetRequiredService<ProviderEndpoints>().Twilio;
                http.Timeout = TimeSpan.FromMilliseconds(settings.ElevenLabsTimeoutMs);
                var credentials = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{settings.TwilioAccountSid}:{settings.TwilioAuthToken}"));
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", credentials);
                http.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(5),
            });
        return services;
    }
}
