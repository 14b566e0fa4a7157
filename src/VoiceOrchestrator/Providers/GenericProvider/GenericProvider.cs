using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;

namespace VoiceOrchestrator.Providers.GenericProvider;

/// <summary>The AI Call Orchestrator's generic "AI call API" (design §5): which calls it dials, and where it reports back.</summary>
public static class GenericProvider
{
    /// <summary>The value of <see cref="Call.Provider"/> for calls this provider dials.</summary>
    public const string Name = "generic";

    public const string CallbackPath = "/api/v1/callbacks/call-status";

    public static bool IsConfigured(OrchestratorOptions options) => options.AiCallApiUrl is not null;

    public static bool Dials(Call call) => call.Provider == Name;

    /// <summary>WEBHOOK_BASE_URL, else PUBLIC_BASE_URL, else this service on loopback, plus the callback route.</summary>
    public static string WebhookUrl(OrchestratorOptions options) =>
        (options.WebhookBaseUrl ?? options.PublicBaseUrl ?? $"http://127.0.0.1:{options.ServicePort}").TrimEnd('/') + CallbackPath;
}
