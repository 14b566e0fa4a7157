using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Dispatch;

/// <summary>
/// The service killed (SIGKILL) in the middle of a run and started again on the same port: no accepted
/// call is lost, and no call is dialed twice for one attempt (design §3 "At most once", §4).
/// </summary>
[Collection("postgres")]
public sealed class CrashRecoveryTests(PostgresFixture postgres)
{
    public enum InFlight
    {
        /// <summary>Dials answer at once: the kill finds calls ringing and in progress, rarely a dial in flight.</summary>
        Rarely,

        /// <summary>The emulator waits 500 ms before placing each call (ResponseLatencyMs): dials in flight at the kill placed nothing.</summary>
        NotYetPlaced,

        /// <summary>The answer comes 1 s after the call was placed: dials in flight at the kill DID ring somebody.</summary>
        AlreadyPlaced,
    }

    public static TheoryData<DatabaseKind, InFlight> Runs => new()
    {
        { DatabaseKind.Sqlite, InFlight.Rarely },
        { DatabaseKind.Sqlite, InFlight.NotYetPlaced },
        { DatabaseKind.Sqlite, InFlight.AlreadyPlaced },

        // PostgreSQL: a dispatcher killed with dials in flight is covered by MultiInstanceTests.
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public async Task AKilledServiceLosesNoCallAndDialsNoNumberTwice(DatabaseKind kind, InFlight inFlight)
    {
        var count = inFlight == InFlight.Rarely ? 300 : 200;
        await using var proxy = await AnswerDelayProxy.StartAsync(TimeSpan.FromSeconds(1));
        var settings = DispatchKit.Settings(
            ("ELEVENLABS_CONCURRENCY_LIMIT", "20"),
            ("CALL_LEASE_SECONDS", "3"),
            ("DISPATCHER_LEASE_SECONDS", "2"),
            ("ELEVENLABS_TIMEOUT_MS", "2500"));
        if (inFlight == InFlight.AlreadyPlaced)
        {
            settings["ELEVENLABS_BASE_URL"] = proxy.BaseAddress.ToString().TrimEnd('/');
        }

        await using var rig = await DispatchRig.StartAsync(kind, postgres,
            new SimulatorOptions
            {
                ConcurrencyLimit = 1000, RingMs = 100, CallDurationMs = 300, ResponseLatencyMs = inFlight == InFlight.NotYetPlaced ? 500 : 0,
            },
            settings);
        proxy.Upstream = rig.Simulator.BaseAddress;

        var numbers = await rig.QueueBulkAsync(count);
        using var client = rig.Client();
        await DispatchKit.WaitUntilAsync(async () => await DispatchKit.TerminalCountAsync(client) >= count / 3, TimeSpan.FromSeconds(60),
            () => "a third of the calls did not end");
        if (inFlight == InFlight.AlreadyPlaced)
        {
            await DispatchKit.WaitUntilAsync(() => Task.FromResult(proxy.Holding >= 5), TimeSpan.FromSeconds(10), () => "no dial answers were being held");
        }

        // The emulator sends its webhooks to this port: the new process takes it over.
        var victim = rig.Services[0];
        await victim.KillAsync();
        await rig.StartInstanceAsync(victim.Port);
        using var restarted = rig.Client(rig.Services.Count - 1);
        var ids = (await DispatchKit.ListCallsAsync(restarted)).Select(c => c.Id).ToList();
        Assert.Equal(count, ids.Count);
        var calls = await DispatchKit.WaitTerminalAsync(restarted, ids, TimeSpan.FromSeconds(60));

        var stats = rig.Simulator.State.GetStats();
        Assert.All(calls, c => Assert.True(c.Status == "completed", $"{c.Id} {c.ToNumber} ended {c.Status} ({c.FailureReason}, {c.LastError}): {c.History}"));
        Assert.All(numbers, n => Assert.Equal(1, stats.DialsByNumber.GetValueOrDefault(n)));
        var byUser = rig.ConversationsByUserId();
        Assert.All(calls, c => DispatchKit.AssertDialedAtMostOnce(c, [.. byUser[c.Id.ToString()]]));

        // Some calls were settled by asking the provider, their webhooks having gone to the dead process.
        Assert.Contains(calls, c => c.Events.Any(e => e.Reason is "reconciled" or "reconciled_not_placed"));
        switch (inFlight)
        {
            case InFlight.NotYetPlaced:
                // In flight at the kill, never placed: looked up, found missing, only then dialed again.
                Assert.Contains(calls, c => c.Events.Any(e => e is { From: "dialing", To: "queued", Reason: "reconciled_not_placed" }));
                break;
            case InFlight.AlreadyPlaced:
                // In flight at the kill, already ringing: looked up, found, adopted; one claim, one conversation.
                var adopted = calls.Where(c => c.Events.Any(e => e is { From: "dialing", Reason: "reconciled" })).ToList();
                Assert.True(adopted.Count > 0, "no call in flight at the kill was adopted by looking it up");
                Assert.All(adopted, c => Assert.True(c.Claims == 1 && c.Attempts == 1, c.History));
                break;
        }
    }
}
