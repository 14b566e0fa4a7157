using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Dispatch;

/// <summary>
/// <c>CALLS_WORKER_CONCURRENCY</c> bounds the provider requests in flight, not the calls: with room for ten calls and
/// two workers, the dials go out two at a time while the provider is slow to answer, and every call is still placed.
/// </summary>
public sealed class WorkerConcurrencyTests
{
    [Fact]
    public async Task NoMoreDialsAreInFlightThanThereAreWorkers()
    {
        await using var proxy = await AnswerDelayProxy.StartAsync(TimeSpan.FromMilliseconds(400));
        await using var rig = await DispatchRig.StartSqliteAsync(
            new SimulatorOptions { ConcurrencyLimit = 100, RingMs = 100, CallDurationMs = 3000 },
            DispatchKit.Settings(
                ("ELEVENLABS_CONCURRENCY_LIMIT", "10"),
                ("CALLS_WORKER_CONCURRENCY", "2"),
                ("ELEVENLABS_BASE_URL", proxy.BaseAddress.ToString().TrimEnd('/'))));
        proxy.Upstream = rig.Simulator.BaseAddress;

        var numbers = Enumerable.Range(0, 8).Select(i => $"+1555333{i:D4}").ToList();
        var ids = await rig.QueueNumbersAsync(numbers);
        using var client = rig.Client();
        await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(60));

        // Two at a time, and both workers used: the limit of ten calls never was the bound here.
        Assert.Equal(2, proxy.MostHeld);
        var stats = rig.Simulator.State.GetStats();
        Assert.Equal(8, stats.TotalRequests);
        Assert.True(stats.MaxConcurrency > 2, $"calls in progress at once: {stats.MaxConcurrency}; the workers should be free while calls ring");
    }
}
