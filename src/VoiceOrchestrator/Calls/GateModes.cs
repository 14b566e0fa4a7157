using VoiceOrchestrator.Storage;

namespace VoiceOrchestrator;

/// <summary>Reads the <c>x-gate-mode</c> header of the original Voice Orchestrator.</summary>
public static class GateModes
{
    public const string HeaderName = "x-gate-mode";

    /// <summary>The requested mode, the fallback when the header is absent, or null when the value is unknown.</summary>
    public static GateMode? FromHeader(string? value, GateMode fallback)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return fallback;
        }

        return SnakeCaseEnumConverter<GateMode>.TryParse(value.Trim(), out var mode) ? mode : null;
    }

    public static string ToWire(this GateMode mode) => SnakeCaseEnumConverter<GateMode>.ToName(mode);
}
