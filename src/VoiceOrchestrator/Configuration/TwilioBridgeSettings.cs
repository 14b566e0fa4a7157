namespace VoiceOrchestrator.Configuration;

/// <summary>The AMD bridge's variables besides the Twilio credentials: pacing, the unknown-answer policy and prices.</summary>
internal static class TwilioBridgeSettings
{
    public static void Load(IConfiguration configuration, OrchestratorOptions options, List<string> errors, bool isProduction)
    {
        options.TwilioCps = EnvironmentSettings.Double(configuration, errors, "TWILIO_CPS", options.TwilioCps, 0, 1000);
        options.TwilioPricePerMinute = EnvironmentSettings.Double(configuration, errors, "TWILIO_PRICE_PER_MINUTE", options.TwilioPricePerMinute, 0, 100);
        options.TwilioAmdPricePerCall = EnvironmentSettings.Double(configuration, errors, "TWILIO_AMD_PRICE_PER_CALL", options.TwilioAmdPricePerCall, 0, 100);
        switch (configuration["TWILIO_AMD_UNKNOWN_AS_HUMAN"]?.Trim().ToLowerInvariant())
        {
            case null or "" or "true" or "1" or "yes":
                options.TwilioAmdUnknownAsHuman = true;
                break;
            case "false" or "0" or "no":
                options.TwilioAmdUnknownAsHuman = false;
                break;
            default:
                errors.Add("TWILIO_AMD_UNKNOWN_AS_HUMAN: expected true or false");
                break;
        }

        if (options.TwilioAccountSid is { } sid && !(sid.StartsWith("AC", StringComparison.Ordinal) && sid.Length == 34))
        {
            errors.Add("TWILIO_ACCOUNT_SID: expected AC followed by 32 hex digits");
        }

        if (isProduction && options.TwilioAccountSid is not null && options.PublicBaseUrl is null)
        {
            errors.Add("PUBLIC_BASE_URL: required with TWILIO_ACCOUNT_SID in production (Twilio sends its callbacks there)");
        }

        if (options.ElevenLabsApiKey is null && options.TwilioAccountSid is null && options.TwilioAuthToken is null)
        {
            // Demo mode: the in-process emulator plays Twilio too, with these credentials.
            options.TwilioAccountSid = "AC" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
            options.TwilioAuthToken = Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));
        }
    }
}
