using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Dispatch;

/// <summary>Many calls through the real service and emulator: all end, the limit holds, nobody is called twice, nothing fails on the way.</summary>
[Collection("postgres")]
public sealed class DispatchAtScaleTests(PostgresFixture postgres)
{
    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task TwoThousandCallsWithLimitTenAllEndAndNeverExceedTheLimit(DatabaseKind kind)
    {
        await using var rig = await DispatchRig.StartAsync(kind, postgres,
            new SimulatorOptions { ConcurrencyLimit = 1000, RingMs = 0, CallDurationMs = 20 },
            new Dictionary<string, string?> { ["ELEVENLABS_CONCURRENCY_LIMIT"] = "10" });

        var numbers = await rig.QueueBulkAsync(2000);
        using var client = rig.Client();
        var counts = await CallPolling.WaitAllTerminalAsync(client, 2000, TimeSpan.FromSeconds(180));

        var stats = rig.Simulator.State.GetStats();
        Assert.Equal(2000, counts.GetValueOrDefault("completed"));
        Assert.InRange(stats.MaxConcurrency, 1, 10);
        Assert.Equal(2000, stats.AcceptedDials);
        Assert.All(numbers, n => Assert.Equal(1, stats.DialsByNumber.GetValueOrDefault(n)));
        // A failing dispatch cycle pauses the loop and retries, so the calls above still end: only its log tells.
        Assert.Empty(rig.Services.SelectMany(service => service.ErrorLines()));
    }
}
