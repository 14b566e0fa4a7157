namespace VoiceOrchestrator.Simulator;

/// <summary>Which outbound route placed the call; it decides id formats and the shape of provider metadata.</summary>
internal enum CallChannel
{
    Twilio,
    SipTrunk,
}

internal static class CallChannelExtensions
{
    /// <summary><c>metadata.phone_call.type</c> of a conversation (§7).</summary>
    public static string PhoneCallType(this CallChannel channel) => channel switch
    {
        CallChannel.Twilio => "twilio",
        CallChannel.SipTrunk => "sip_trunking",
    };

    /// <summary><c>metadata.type</c> of a <c>call_initiation_failure</c> webhook (§8.4): "sip", not "sip_trunking".</summary>
    public static string FailureMetadataType(this CallChannel channel) => channel switch
    {
        CallChannel.Twilio => "twilio",
        CallChannel.SipTrunk => "sip",
    };

    /// <summary>Provider name in the control API and in <see cref="ConversationSnapshot"/>.</summary>
    public static string ProviderName(this CallChannel channel) => channel switch
    {
        CallChannel.Twilio => "twilio",
        CallChannel.SipTrunk => "sip_trunk",
    };
}
