namespace VoiceOrchestrator.Tests.Api;

/// <summary>The E.164 check every number in the API goes through.</summary>
public sealed class PhoneNumbersTests
{
    [Theory]
    [InlineData("+14155550100")]
    [InlineData("+442071838750")]
    [InlineData("+123456789012345")]
    [InlineData("+1234567")]
    public void AcceptsE164Numbers(string number) => Assert.True(PhoneNumbers.IsE164(number));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("+")]
    [InlineData("+123456")]
    [InlineData("+1234567890123456")]
    [InlineData("14155550100")]
    [InlineData("+04155550100")]
    [InlineData("+1 415 555 0100")]
    [InlineData("+1-415-555-0100")]
    [InlineData("+1415555010a")]
    [InlineData("++14155550100")]
    [InlineData("+14155550100 ")]
    [InlineData("+1415555\u0661\u0662\u0663")]
    [InlineData("+\uff11\uff14\uff11\uff15\uff15\uff15\uff15\uff10\uff11\uff10\uff10")]
    public void RefusesAnythingElse(string? number) => Assert.False(PhoneNumbers.IsE164(number));

    [Fact]
    public void MasksAllButTheLastFourDigits()
    {
        Assert.Equal("********0100", PhoneNumbers.Mask("+14155550100"));
        Assert.Equal("****", PhoneNumbers.Mask(null));
    }
}
