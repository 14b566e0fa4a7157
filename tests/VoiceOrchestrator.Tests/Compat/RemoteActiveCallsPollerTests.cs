using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Providers;
using VoiceOrchestrator.Simulator;

namespace VoiceOrchestrator.Tests.Compat;

/// <summary>The poller's counting rules and settings, against the emulator's batch-calling list.</summary>
public sealed class RemoteActiveCallsPollerTests
{
    private static readonly BatchCallRecord[] Batches =
    [
        new() { Id = "btcal_a", Status = "in_progress", TotalCallsDispatched = 7, TotalCallsFinished = 2 },
        new() { Id = "btcal_b", Status = "pending", TotalCallsDispatched = 3 },
        new() { Id = "btcal_c", Status = "completed", TotalCallsDispatched = 9 },
    ];

    [Theory]
    [InlineData("dispatched", "in_progress", 5)]
    [InlineData("dispatched", "in_progress,pending", 8)]
    [InlineData("batches", "in_progress,pending", 2)]
    [InlineData("batches", "failed", 0)]
    public async Task CountsPerStrategyAndStatuses(string strategy, string statuses, int expected)
    {
        await using var emulator = await SimulatorApp.StartAsync(new SimulatorOptions());
        emulator.State.SetBatchCalls(Batches);
        using var services = Services(emulator, strategy, statuses);
        var poller = services.GetRequiredService<RemoteActiveCallsPoller>();
        Assert.Equal(0, poller.Count);

        await poller.PollOnceAsync(CancellationToken.None);

        Assert.Equal(expected, poller.Count);
        Assert.Equal(RemoteCountMode.Remote, poller.Status.Mode);
        Assert.Same(poller, services.GetRequiredService<IRemoteActiveCalls>());
    }

    [Fact]
    public async Task ARefusedPollKeepsTheLastGoodFigureAndSaysWhy()
    {
        await using var emulator = await SimulatorApp.StartAsync(new SimulatorOptions());
        emulator.State.SetBatchCalls(Batches);
        using var services = Services(emulator, "dispatched", "in_progress");
        var poller = services.GetRequiredService<RemoteActiveCallsPoller>();
        await poller.PollOnceAsync(CancellationToken.None);

        emulator.State.Configure(o => o with { ApiKey = "another-key" });
        await poller.PollOnceAsync(CancellationToken.None);

        var status = poller.Status;
        Assert.Equal(RemoteCountMode.Stale, status.Mode);
        Assert.Equal(5, status.Count);
        Assert.False(status.LastPollOk);
        Assert.Contains("401", status.LastError);
    }

    [Fact]
    public void DefaultMeansTheBatchCallingListOnTheElevenLabsBaseUrl()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ELEVENLABS_ACTIVE_CALLS_URL"] = "default",
        }).Build();
        Assert.Equal(RemoteActiveCallsPoller.BatchCallingPath, EnvironmentSettings.Load(configuration, isProduction: false).ElevenLabsActiveCallsUrl);

        var invalid = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ELEVENLABS_ACTIVE_CALLS_URL"] = "batch-calling",
        }).Build();
        var error = Assert.Throws<InvalidConfigurationException>(() => EnvironmentSettings.Load(invalid, isProduction: false));
        Assert.Contains(error.Problems, p => p.StartsWith("ELEVENLABS_ACTIVE_CALLS_URL", StringComparison.Ordinal));
    }

    private static ServiceProvider Services(RunningSimulator emulator, string strategy, string statuses)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ELEVENLABS_API_KEY"] = "test-key",
            ["ELEVENLABS_BASE_URL"] = emulator.BaseAddress.ToString(),
            ["ELEVENLABS_ACTIVE_CALLS_URL"] = "default",
            ["ELEVENLABS_ACTIVE_COUNT_STRATEGY"] = strategy,
            ["ELEVENLABS_ACTIVE_STATUSES"] = statuses,
            ["POLLING_INTERVAL_MS"] = "60000",
        }).Build();
        var settings = EnvironmentSettings.Load(configuration, isProduction: false);
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton(Options.Create(settings));
        services.AddSingleton(TimeProvider.System);
        services.AddSingleton<ProviderEndpoints>();
        services.AddRemoteActiveCalls(settings);
        return services.BuildServiceProvider();
    }
}
