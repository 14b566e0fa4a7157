using System.Collections.Concurrent;

namespace VoiceOrchestrator.Simulator;

/// <summary>The Twilio side's share of a simulation epoch: calls, register-call registrations and counters.</summary>
internal sealed class TwilioEpoch : IDisposable
{
    public ConcurrentDictionary<string, SimulatedTwilioCall> Calls { get; } = new(StringComparer.Ordinal);

    /// <summary>register-call answers waiting for Twilio to connect their stream, by stream token.</summary>
    public ConcurrentDictionary<string, RegisteredCall> Registrations { get; } = new(StringComparer.Ordinal);

    public TwilioCounters Counters { get; } = new();

    /// <summary>Cancelled at reset and shutdown: the scripts of this epoch's calls stop.</summary>
    public CancellationTokenSource Stopping { get; } = new();

    public void Dispose()
    {
        Stopping.Cancel();
        Stopping.Dispose();
    }
}

/// <summary>A call ElevenLabs registered (register-call) and holds a workspace slot for, until Twilio connects it.</summary>
internal sealed record RegisteredCall(
    SimulationEpoch ElevenLabsEpoch, string AgentId, string FromNumber, string ToNumber, string? UserId,
    System.Text.Json.JsonElement? ClientData, System.Text.Json.JsonElement Body);
