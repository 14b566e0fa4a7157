using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;

namespace VoiceOrchestrator.Providers.GenericProvider;

/// <summary>The AI Call Orchestrator's generic "AI call API" (design §5): which calls it dials, and where it reports back.</summary>
public static class GenericProvider
{
    /// <summary>The value of <see cref="Call.Provider"/> for calls this provider dials.</summary>
    public const string Name = "generic";

    public const string CallbackPath = "/api/v1/callbacks/call-status";

    /// <summary>Path of the emulator's generic provider, which demo mode uses when AI_CALL_API_URL is not set.</summary>
    public const string EmulatorCallsPath = "ai-call/v1/calls";

    public static bool IsConfigured(OrchestratorOptions options) => options.AiCallApiUrl is not null || options.DemoMode;

    public static bool Dials(Call call) => call.Provider == Name;

    /// <summary>WEBHOOK_BASE_URL, else PUBLIC_BASE_URL, else this service on loopback, plus the callback route.</summary>
    public static string WebhookUrl(OrchestratorOptions options) =>
        (options.WebhookBaseUrl ?? options.PublicBaseUrl ?? $"http://127.0.0.1:{options.ServicePort}").TrimEnd('/') + CallbackPath;
}
