using VoiceOrchestrator.Configuration;
using static VoiceOrchestrator.Tests.Infrastructure.EnvironmentPairs;

namespace VoiceOrchestrator.Tests.Twilio;

/// <summary>The AMD bridge's environment variables (design §10).</summary>
public sealed class TwilioSettingsTests
{
    private const string Sid = "AC0123456789abcdef0123456789abcdef";

    [Fact]
    public void Defaults_follow_Twilio_and_demo_mode_gets_emulator_credentials()
    {
        var demo = Load(false);
        Assert.Equal(1, demo.TwilioCps);
        Assert.True(demo.TwilioAmdUnknownAsHuman);
        Assert.Equal((0.014, 0.0075), (demo.TwilioPricePerMinute, demo.TwilioAmdPricePerCall));
        Assert.StartsWith("AC", demo.TwilioAccountSid);
        Assert.False(string.IsNullOrEmpty(demo.TwilioAuthToken));
        Assert.Equal("http://127.0.0.1:3000", demo.EffectivePublicBaseUrl);

        var configured = Load(false, ("ELEVENLABS_API_KEY", "xi"));
        Assert.Null(configured.TwilioAccountSid);
        Assert.Null(configured.TwilioAuthToken);
    }

    [Fact]
    public void Reads_the_bridge_variables()
    {
        var options = Load(false, ("ELEVENLABS_API_KEY", "xi"), ("TWILIO_ACCOUNT_SID", Sid), ("TWILIO_AUTH_TOKEN", "token"),
            ("TWILIO_API_BASE_URL", "http://127.0.0.1:9/"), ("PUBLIC_BASE_URL", "https://bridge.example.com/"), ("TWILIO_CPS", "2.5"),
            ("TWILIO_AMD_UNKNOWN_AS_HUMAN", "false"), ("TWILIO_PRICE_PER_MINUTE", "0.02"), ("TWILIO_AMD_PRICE_PER_CALL", "0.01"));
        Assert.Equal((Sid, "token", "http://127.0.0.1:9"), (options.TwilioAccountSid, options.TwilioAuthToken, options.TwilioApiBaseUrl));
        Assert.Equal("https://bridge.example.com", options.EffectivePublicBaseUrl);
        Assert.Equal((2.5, false, 0.02, 0.01), (options.TwilioCps, options.TwilioAmdUnknownAsHuman, options.TwilioPricePerMinute, options.TwilioAmdPricePerCall));
    }

    [Theory]
    [InlineData("TWILIO_CPS", "fast")]
    [InlineData("TWILIO_CPS", "-1")]
    [InlineData("TWILIO_AMD_UNKNOWN_AS_HUMAN", "maybe")]
    [InlineData("TWILIO_PRICE_PER_MINUTE", "free")]
    [InlineData("TWILIO_AMD_PRICE_PER_CALL", "-0.1")]
    [InlineData("TWILIO_ACCOUNT_SID", "SK123")]
    [InlineData("TWILIO_API_BASE_URL", "api.twilio.com")]
    [InlineData("PUBLIC_BASE_URL", "bridge.example.com")]
    public void A_bad_value_is_reported_by_the_name_of_its_variable(string variable, string value)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => Load(false, ("ELEVENLABS_API_KEY", "xi"), (variable, value)));
        var problem = Assert.Single(error.Problems);
        Assert.StartsWith(variable + ":", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Production_with_a_Twilio_account_needs_the_public_url_Twilio_calls_back()
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => Load(true, ("ELEVENLABS_API_KEY", "xi"), ("TWILIO_ACCOUNT_SID", Sid), ("TWILIO_AUTH_TOKEN", "t")));
        Assert.StartsWith("PUBLIC_BASE_URL:", Assert.Single(error.Problems), StringComparison.Ordinal);
        Assert.Equal("https://x.example.com",
            Load(true, ("ELEVENLABS_API_KEY", "xi"), ("TWILIO_ACCOUNT_SID", Sid), ("TWILIO_AUTH_TOKEN", "t"), ("PUBLIC_BASE_URL", "https://x.example.com")).EffectivePublicBaseUrl);
    }
}
