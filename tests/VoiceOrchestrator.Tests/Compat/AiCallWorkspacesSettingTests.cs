using VoiceOrchestrator.Configuration;
using static VoiceOrchestrator.Tests.Infrastructure.EnvironmentPairs;

namespace VoiceOrchestrator.Tests.Compat;

/// <summary>AI_CALL_WORKSPACES: which workspaces the generic provider serves as a whole.</summary>
public sealed class AiCallWorkspacesSettingTests
{
    /// <summary>Outside demo mode, where the list needs AI_CALL_API_URL.</summary>
    private static OrchestratorOptions LoadWithKey(params (string Key, string Value)[] values) =>
        Load(false, [.. values, ("ELEVENLABS_API_KEY", "xi_test")]);

    [Fact]
    public void TheListIsReadWithTheProviderUrl()
    {
        var options = LoadWithKey(("AI_CALL_API_URL", "http://127.0.0.1:9/calls"), ("AI_CALL_WORKSPACES", " ws_a, ws-b ,"));

        Assert.Equal(["ws-b", "ws_a"], options.AiCallWorkspaces.Order(StringComparer.Ordinal));
        Assert.Empty(LoadWithKey().AiCallWorkspaces);
    }

    [Theory]
    [InlineData("ws_a", null)]
    [InlineData("ws a,ws_b", "http://127.0.0.1:9/calls")]
    public void AListWithoutAProviderOrWithABadIdIsRefusedByName(string list, string? url)
    {
        var values = url is null ? new[] { ("AI_CALL_WORKSPACES", list) } : [("AI_CALL_WORKSPACES", list), ("AI_CALL_API_URL", url)];
        var error = Assert.Throws<InvalidConfigurationException>(() => LoadWithKey(values));

        Assert.StartsWith("AI_CALL_WORKSPACES:", Assert.Single(error.Problems), StringComparison.Ordinal);
    }
}
