using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Conversations;
using static VoiceOrchestrator.Tests.Infrastructure.EnvironmentPairs;

namespace VoiceOrchestrator.Tests.Conversations;

/// <summary>CONVERSATIONS_API_TIMEOUT_MS and the search normalisation the listing relies on.</summary>
public sealed class ConversationSettingsTests
{
    [Fact]
    public void TheLiveTimeoutDefaultsToOneAndAHalfSecondsAndIsRead()
    {
        Assert.Equal(1500, EnvironmentSettings.Load(FromPairs(), false).ConversationsApiTimeoutMs);
        Assert.Equal(400, EnvironmentSettings.Load(FromPairs(("CONVERSATIONS_API_TIMEOUT_MS", "400")), false).ConversationsApiTimeoutMs);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("0")]
    [InlineData("600001")]
    public void ABadLiveTimeoutIsRefusedByName(string value)
    {
        var error = Assert.Throws<InvalidConfigurationException>(() => EnvironmentSettings.Load(FromPairs(("CONVERSATIONS_API_TIMEOUT_MS", value)), false));

        Assert.StartsWith("CONVERSATIONS_API_TIMEOUT_MS:", Assert.Single(error.Problems), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("+15550100002", "+15550100002")]
    [InlineData("+1 (555) 010-0002", "+15550100002")]
    [InlineData("15550100002", "+15550100002")]
    [InlineData("1.555.010.0002", "+15550100002")]
    [InlineData("conv_01jx", null)]
    [InlineData("555", null)]
    [InlineData("+1555+0100002", null)]
    public void ASearchReadsAsANumberInAnyUsualSpelling(string search, string? number)
    {
        Assert.Equal(number, new ConversationFilter("ws", search, null).SearchNumber);
    }
}
