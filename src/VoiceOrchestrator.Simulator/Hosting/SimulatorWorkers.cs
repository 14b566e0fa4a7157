using Microsoft.Extensions.Hosting;

namespace VoiceOrchestrator.Simulator;

/// <summary>Ties the call scheduler and the webhook workers to the lifetime of the simulator's host.</summary>
internal sealed class SimulatorWorkers(SimulatorState state) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => state.RunAsync(stoppingToken);
}
