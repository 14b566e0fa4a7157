using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Simulator;

namespace VoiceOrchestrator.Providers;

/// <summary>
/// Demo mode only: starts the provider emulator inside this process on a loopback port, pointed
/// back at this service's webhook and signing with its secret. The service still reaches it over
/// HTTP, through the same clients it uses in production.
/// </summary>
public sealed class DemoEmulatorHost(IOptions<OrchestratorOptions> options, ProviderEndpoints endpoints, ILogger<DemoEmulatorHost> logger) : IHostedService
{
    private RunningSimulator? _simulator;

    public SimulatorState? State => _simulator?.State;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        if (!settings.DemoMode)
        {
            return;
        }

        _simulator = await SimulatorApp.StartAsync(new SimulatorOptions
        {
            ConcurrencyLimit = settings.ConcurrencyLimit,
            RingMs = 1500,
            CallDurationMs = 4000,
            WebhookUrl = $"http://127.0.0.1:{settings.ServicePort}/webhooks/elevenlabs",
            WebhookSecret = settings.EffectiveElevenLabsWebhookSecret,
            TwilioAccountSid = settings.TwilioAccountSid,
            TwilioAuthToken = settings.TwilioAuthToken,
        }, "http://127.0.0.1:0", cancellationToken);
        endpoints.UseEmulator(_simulator.BaseAddress);
        logger.LogInformation("Demo mode: provider emulator listening on {Address}", _simulator.BaseAddress);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_simulator is not null)
        {
            await _simulator.DisposeAsync();
        }
    }
}
