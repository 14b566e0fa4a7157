using Microsoft.Extensions.Configuration;
using VoiceOrchestrator.Configuration;

namespace VoiceOrchestrator.Tests.Infrastructure;

/// <summary>The service's settings read from environment variables given as name/value pairs.</summary>
public static class EnvironmentPairs
{
    public static IConfiguration FromPairs(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder()
            .AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value)))
            .Build();

    public static OrchestratorOptions Load(bool production = false, params (string Key, string Value)[] values) =>
        EnvironmentSettings.Load(FromPairs(values), production);
}
