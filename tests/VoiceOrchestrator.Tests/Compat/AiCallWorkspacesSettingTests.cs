using Microsoft.Extensions.Configuration;
using VoiceOrchestrator.Configuration;

namespace VoiceOrchestrator.Tests.Compat;

/// <summary>AI_CALL_WORKSPACES: which workspaces the generic provider serves as a whole.</summary>
public sealed class AiCallWorkspacesSettingTests
{
    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(
            values.Append(("ELEVENLABS_API_KEY", "xi_test")).Select(v => new KeyValuePair<string, string?>(v.Item1, v.Item2))).Build();

    [Fact]
    public void TheListIsReadWithTheProviderUrl()
    {
        var options = EnvironmentSettings.Load(Configuration(("AI_CALL_API_URL", "http://127.0.0.1:9/calls"), ("AI_CALL_WORKSPACES", " ws_a, ws-b ,")), false);

        Assert.Equal(["ws-b", "ws_a"], options.AiCallWorkspaces.Order(StringComparer.Ordinal));
        Assert.Empty(EnvironmentSettings.Load(Configuration(), false).AiCallWorkspaces);
    }

    [Theory]
    [InlineData("ws_a", null)]
    [InlineData("ws a,ws_b", "http://127.0.0.1:9/calls")]
    public void AListWithoutAProviderOrWithABadIdIsRefusedByName(string list, string? url)
    {
        var values = url is null ? new[] { ("AI_CALL_WORKSPACES", list) } : [("AI_CALL_WORKSPACES", list), ("AI_CALL_API_URL", url)];
        var error = Assert.Throws<InvalidConfigurationException>(() => EnvironmentSettings.Load(Configuration(values), false));

        Assert.StartsWith("AI_CALL_WORKSPACES:", Assert.Single(error.Problems), StringComparison.Ordinal);
    }
}
