namespace VoiceOrchestrator.Simulator;

/// <summary>Identifiers in the formats the real providers use, so clients that validate or store them see realistic values.</summary>
internal static class ProviderIds
{
    private const string LowerAlphanumeric = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary><c>conv_</c> + 26 lowercase alphanumerics.</summary>
    public static string NewConversationId() => "conv_" + RandomAlphanumeric(26);

    /// <summary>Twilio call SID: <c>CA</c> + 32 hex digits.</summary>
    public static string NewTwilioCallSid() => "CA" + RandomHex(16);

    /// <summary>Twilio media stream SID: <c>MZ</c> + 32 hex digits.</summary>
    public static string NewStreamSid() => "MZ" + RandomHex(16);

    public static string NewTwilioAccountSid() => "AC" + RandomHex(16);

    public static string NewSipCallId() => Guid.NewGuid().ToString("D");

    public static string NewRequestId() => RandomHex(16);

    public static string NewBatchCallId() => "btcal_" + RandomAlphanumeric(26);

    private static string RandomAlphanumeric(int length) => new(Random.Shared.GetItems(LowerAlphanumeric.AsSpan(), length));

    private static string RandomHex(int byteCount)
    {
        Span<byte> bytes = stackalloc byte[byteCount];
        Random.Shared.NextBytes(bytes);
        return Convert.ToHexStringLower(bytes);
    }
}
