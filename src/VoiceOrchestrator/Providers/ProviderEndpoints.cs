using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;

namespace VoiceOrchestrator.Providers;

/// <summary>
/// Where the provider HTTP clients send their requests: the configured base URLs, or in demo mode
/// the address the in-process emulator bound to (known only once it has started).
/// </summary>
public sealed class ProviderEndpoints(IOptions<OrchestratorOptions> options)
{
    private Uri? _emulator;

    public Uri ElevenLabs => _emulator ?? new Uri(options.Value.ElevenLabsBaseUrl.TrimEnd('/') + "/");

    public Uri Twilio => _emulator ?? new Uri(options.Value.TwilioApiBaseUrl.TrimEnd('/') + "/");

    public Uri? Emulator => _emulator;

    public void UseEmulator(Uri baseAddress) => _emulator = baseAddress;
}
