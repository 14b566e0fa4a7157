using VoiceOrchestrator.Compat.AiCallOrchestrator;
using VoiceOrchestrator.Compat.SlotScheduler;

namespace VoiceOrchestrator.Compat;

/// <summary>The routes of the Voice Slot Scheduler and the AI Call Orchestrator, on the one queue and dispatcher.</summary>
public static class CompatRegistration
{
    public static IServiceCollection AddCompatApis(this IServiceCollection services)
    {
        services.AddScoped<SchedulerStatsReader>();
        return services;
    }

    public static IEndpointRouteBuilder MapCompatApis(this IEndpointRouteBuilder app)
    {
        app.MapSlotSchedulerApi();
        app.MapAiCallsApi();
        app.MapCallStatusCallbackApi();
        return app;
    }
}
