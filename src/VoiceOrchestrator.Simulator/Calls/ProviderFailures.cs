using System.Globalization;

namespace VoiceOrchestrator.Simulator;

/// <summary>
/// How the carriers describe a call that did not connect: SIP status codes and texts, Twilio call statuses.
/// Shared by the conversation's <c>metadata.error</c> and the <c>call_initiation_failure</c> webhook body.
/// </summary>
internal static class ProviderFailures
{
    public static int SipStatusCode(CallOutcome outcome) => outcome switch
    {
        CallOutcome.Busy => 486,
        CallOutcome.NoAnswer => 480,
        CallOutcome.Failed or CallOutcome.Answered => 500,
    };

    public static string SipStatus(CallOutcome outcome) => outcome switch
    {
        CallOutcome.Busy => "Busy here",
        CallOutcome.NoAnswer => "Temporarily Unavailable",
        CallOutcome.Failed or CallOutcome.Answered => "Server Internal Error",
    };

    public static string TwirpCode(CallOutcome outcome) => outcome switch
    {
        CallOutcome.Busy or CallOutcome.NoAnswer => "unavailable",
        CallOutcome.Failed or CallOutcome.Answered => "internal",
    };

    /// <summary>Twilio <c>CallStatus</c> of a call that did not connect.</summary>
    public static string TwilioCallStatus(CallOutcome outcome) => outcome switch
    {
        CallOutcome.Busy => "busy",
        CallOutcome.NoAnswer => "no-answer",
        CallOutcome.Failed or CallOutcome.Answered => "failed",
    };

    public static string Reason(CallChannel channel, CallOutcome outcome)
    {
        var code = SipStatusCode(outcome);
        return channel switch
        {
            CallChannel.SipTrunk => string.Create(CultureInfo.InvariantCulture, $"INVITE failed: sip status: {code}: {SipStatus(outcome)} (SIP {code})"),
            CallChannel.Twilio => "Twilio call status: " + TwilioCallStatus(outcome),
        };
    }
}
