using System.Globalization;

namespace VoiceOrchestrator.Simulator;

/// <summary>Builds the webhook a finished conversation produces: <c>post_call_transcription</c> or <c>call_initiation_failure</c>.</summary>
internal static class WebhookPayloads
{
    public const string PostCallTranscription = "post_call_transcription";
    public const string CallInitiationFailure = "call_initiation_failure";

    /// <summary>One account SID per process: a workspace is connected to one Twilio account.</summary>
    private static readonly string TwilioAccountSid = ProviderIds.NewTwilioAccountSid();

    public static WebhookEnvelope For(SimulatedConversation conversation, DateTimeOffset now)
    {
        var progress = conversation.Progress;
        var eventTimestamp = (progress.EndedAt ?? now).ToUnixTimeSeconds();
        if (progress.Status == ConversationStatus.Done)
        {
            return new WebhookEnvelope(PostCallTranscription, eventTimestamp, ConversationModels.Detail(conversation, progress, now));
        }

        var outcome = progress.Result ?? CallOutcome.Failed;
        var body = conversation.Channel switch
        {
            CallChannel.Twilio => (object)TwilioStatusCallback(conversation, outcome, progress.EndedAt ?? now),
            CallChannel.SipTrunk => new SipFailureBody(
                ProviderFailures.SipStatusCode(outcome),
                ProviderFailures.Reason(CallChannel.SipTrunk, outcome),
                conversation.CallSid,
                ProviderFailures.SipStatus(outcome),
                ProviderFailures.TwirpCode(outcome)),
        };

        return new WebhookEnvelope(
            CallInitiationFailure,
            eventTimestamp,
            new CallInitiationFailureData(
                conversation.AgentId,
                conversation.ConversationId,
                outcome.FailureReason(),
                new FailureMetadataModel(conversation.Channel.FailureMetadataType(), body)));
    }

    private static Dictionary<string, string> TwilioStatusCallback(SimulatedConversation conversation, CallOutcome outcome, DateTimeOffset at) => new()
    {
        ["CallSid"] = conversation.CallSid,
        ["CallStatus"] = ProviderFailures.TwilioCallStatus(outcome),
        ["To"] = conversation.ToNumber,
        ["From"] = conversation.AgentNumber,
        ["Direction"] = "outbound-api",
        ["SipResponseCode"] = ProviderFailures.SipStatusCode(outcome).ToString(CultureInfo.InvariantCulture),
        ["Duration"] = "0",
        ["CallDuration"] = "0",
        ["AccountSid"] = TwilioAccountSid,
        ["ApiVersion"] = "2010-04-01",
        ["CallbackSource"] = "call-progress-events",
        ["SequenceNumber"] = "2",
        ["Timestamp"] = at.ToUniversalTime().ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture),
    };
}
