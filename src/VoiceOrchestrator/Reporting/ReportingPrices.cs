using VoiceOrchestrator.Configuration;

namespace VoiceOrchestrator.Reporting;

/// <summary>
/// The prices that estimate a call's cost when its provider reported none, and the voicemail a
/// screened-out machine would have cost. All in US dollars.
/// </summary>
public sealed record ReportingPrices(double TwilioPerMinute, double TwilioAmdPerCall, double ElevenLabsPerMinute, int VoicemailSeconds)
{
    public static ReportingPrices From(OrchestratorOptions options) => new(
        options.TwilioPricePerMinute, options.TwilioAmdPricePerCall, options.ElevenLabsPricePerMinute, options.VoicemailSeconds);

    /// <summary>What one voicemail left by the agent would have cost: its length at both per-minute prices.</summary>
    public double VoicemailCost => VoicemailSeconds / 60.0 * (TwilioPerMinute + ElevenLabsPerMinute);
}
