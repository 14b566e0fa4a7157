namespace VoiceOrchestrator.Simulator;

/// <summary>The contract spells outcomes differently per place: <c>call_result</c> uses <c>no_answer</c>, <c>failure_reason</c> uses <c>no-answer</c>.</summary>
internal static class CallOutcomeNames
{
    /// <summary><c>metadata.phone_call.call_result</c> (§7).</summary>
    public static string CallResult(this CallOutcome outcome) => outcome switch
    {
        CallOutcome.Answered => "answered",
        CallOutcome.Busy => "busy",
        CallOutcome.NoAnswer => "no_answer",
        CallOutcome.Failed => "failed",
    };

    /// <summary><c>data.failure_reason</c> of <c>call_initiation_failure</c> (§8.4): busy | no-answer | unknown.</summary>
    public static string FailureReason(this CallOutcome outcome) => outcome switch
    {
        CallOutcome.Busy => "busy",
        CallOutcome.NoAnswer => "no-answer",
        CallOutcome.Failed or CallOutcome.Answered => "unknown",
    };
}
