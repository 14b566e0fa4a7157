using VoiceOrchestrator.Providers.Twilio;

namespace VoiceOrchestrator.Tests.Twilio;

/// <summary>The service's <c>X-Twilio-Signature</c> check against the contract's worked examples (twilio.md §7.3).</summary>
public sealed class TwilioSignatureTests
{
    private const string Token = "test_auth_token_0123456789abcdef";

    private static readonly List<KeyValuePair<string, IReadOnlyList<string>>> AmdParams = Form(
        ("AccountSid", "AC00000000000000000000000000000000"), ("AnsweredBy", "machine_start"),
        ("CallSid", "CA11111111111111111111111111111111"), ("MachineDetectionDuration", "2412"));

    [Fact]
    public void Twilios_published_vector_A_is_valid()
    {
        var form = Form(("CallSid", "CA1234567890ABCDE"), ("Caller", "+12349013030"), ("Digits", "1234"), ("From", "+12349013030"), ("To", "+18005551212"));
        Assert.True(TwilioSignature.IsValid("12345", "https://mycompany.com/myapp.php?foo=1&bar=2", form, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        Assert.False(TwilioSignature.IsValid("12346", "https://mycompany.com/myapp.php?foo=1&bar=2", form, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    }

    [Theory]
    [InlineData("https://bridge.example.com/twilio/amd?attempt=42", "LTylgTlsncGSwwql3yV8MJF71VU=")]
    [InlineData("https://bridge.example.com/twilio/amd?attempt=42", "u81+mVXw6wmS2BUX94tUl/6Ye8g=")]
    [InlineData("https://bridge.example.com:443/twilio/amd?attempt=42", "LTylgTlsncGSwwql3yV8MJF71VU=")]
    [InlineData("https://bridge.example.com:443/twilio/amd?attempt=42", "u81+mVXw6wmS2BUX94tUl/6Ye8g=")]
    [InlineData("https://bridge.example.com:8443/twilio/amd", "mTQUivzJk3L7as67FdgLHaw1Opo=")]
    [InlineData("https://bridge.example.com:8443/twilio/amd", "4bQwIS5fX6Y5PHa3OWCKzYMSFBA=")]
    public void AMD_vectors_B_and_E_are_valid_with_or_without_the_port(string url, string signature)
    {
        Assert.True(TwilioSignature.IsValid(Token, url, AmdParams, signature));
    }

    [Fact]
    public void Status_vector_C_is_valid()
    {
        var form = Form(("AccountSid", "AC00000000000000000000000000000000"), ("ApiVersion", "2010-04-01"), ("CallSid", "CA11111111111111111111111111111111"),
            ("CallStatus", "completed"), ("CallDuration", "37"), ("Duration", "1"), ("Direction", "outbound-api"), ("From", "+15017122661"),
            ("To", "+14155552671"), ("Called", "+14155552671"), ("Caller", "+15017122661"), ("CallbackSource", "call-progress-events"),
            ("SequenceNumber", "3"), ("Timestamp", "Tue, 14 Apr 2026 10:15:42 +0000"), ("SipResponseCode", "200"));
        Assert.True(TwilioSignature.IsValid(Token, "https://bridge.example.com/twilio/status", form, "EFIWrQOTcNUb6Wrih+cRyXOxQVk="));
        Assert.Equal("EFIWrQOTcNUb6Wrih+cRyXOxQVk=", TwilioSignature.Compute(Token, "https://bridge.example.com/twilio/status", form));
    }

    [Fact]
    public void GET_vector_D_signs_the_url_alone()
    {
        Assert.True(TwilioSignature.IsValid(Token,
            "https://bridge.example.com/twilio/amd?AccountSid=AC00000000000000000000000000000000&AnsweredBy=machine_start&CallSid=CA11111111111111111111111111111111&MachineDetectionDuration=2412",
            [], "JNcFSulnuCc+Zs/W0LmzGp32ksE="));
    }

    [Fact]
    public void Tampered_parameters_are_rejected()
    {
        var human = Form(("AccountSid", "AC00000000000000000000000000000000"), ("AnsweredBy", "human"),
            ("CallSid", "CA11111111111111111111111111111111"), ("MachineDetectionDuration", "2412"));
        Assert.False(TwilioSignature.IsValid(Token, "https://bridge.example.com/twilio/amd?attempt=42", human, "LTylgTlsncGSwwql3yV8MJF71VU="));
        var extra = AmdParams.Append(new("CallStatus", ["completed"])).ToList();
        Assert.False(TwilioSignature.IsValid(Token, "https://bridge.example.com/twilio/amd?attempt=42", extra, "LTylgTlsncGSwwql3yV8MJF71VU="));
    }

    [Theory]
    [InlineData("https://bridge.example.com/twilio/amd?attempt=43")]
    [InlineData("https://bridge.example.com/twilio/status?attempt=42")]
    [InlineData("http://bridge.example.com/twilio/amd?attempt=42")]
    [InlineData("https://evil.example.com/twilio/amd?attempt=42")]
    [InlineData("https://bridge.example.com/Twilio/amd?attempt=42")]
    [InlineData("https://bridge.example.com/twilio/amd")]
    public void A_wrong_url_is_rejected(string url)
    {
        Assert.False(TwilioSignature.IsValid(Token, url, AmdParams, "LTylgTlsncGSwwql3yV8MJF71VU="));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("not-base64")]
    public void A_missing_or_malformed_signature_is_rejected(string? signature)
    {
        Assert.False(TwilioSignature.IsValid(Token, "https://bridge.example.com/twilio/amd?attempt=42", AmdParams, signature));
    }

    [Fact]
    public void Repeated_names_are_deduplicated_and_sorted()
    {
        var once = Form(("StatusCallbackEvent", "answered"), ("StatusCallbackEvent", "completed"));
        var repeated = Form(("StatusCallbackEvent", "completed"), ("StatusCallbackEvent", "answered"), ("StatusCallbackEvent", "completed"));
        Assert.Equal(TwilioSignature.Compute(Token, "https://x.example.com/", once), TwilioSignature.Compute(Token, "https://x.example.com/", repeated));
    }

    private static List<KeyValuePair<string, IReadOnlyList<string>>> Form(params (string Name, string Value)[] fields) =>
        [.. fields.GroupBy(f => f.Name).Select(g => new KeyValuePair<string, IReadOnlyList<string>>(g.Key, g.Select(f => f.Value).ToList()))];
}
