using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Dispatch;

/// <summary>One active call per destination number (design §4): calls to one number take turns, never overlap.</summary>
[Collection("postgres")]
public sealed class PerNumberTests(PostgresFixture postgres)
{
    private const string Number = "+15557770001";

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task CallsToOneNumberTakeTurnsAndAllComplete(DatabaseKind kind)
    {
        await using var rig = await DispatchRig.StartAsync(kind, postgres,
            new SimulatorOptions { ConcurrencyLimit = 100, RingMs = 50, CallDurationMs = 200 },
            DispatchKit.Settings(("ELEVENLABS_CONCURRENCY_LIMIT", "10")));

        var ids = await rig.QueueNumbersAsync(Enumerable.Repeat(Number, 6).ToList());
        using var client = rig.Client();
        var calls = await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(40));

        Assert.All(calls, c => Assert.True(c.Status == "completed" && c.Attempts == 1 && c.Claims == 1, $"{c.Status} attempts={c.Attempts}: {c.History}"));
        var conversations = rig.Simulator.State.GetConversations().Where(c => c.ToNumber == Number).OrderBy(c => c.StartedAt).ToList();
        Assert.Equal(6, conversations.Count);
        Assert.Equal(6, rig.Simulator.State.GetStats().DialsByNumber.GetValueOrDefault(Number));
        Assert.Equal(1, rig.Simulator.State.GetStats().MaxConcurrency);
        for (var i = 1; i < conversations.Count; i++)
        {
            var previous = conversations[i - 1];
            Assert.NotNull(previous.EndedAt);
            Assert.True(conversations[i].StartedAt >= previous.EndedAt,
                $"conversation {i} started at {conversations[i].StartedAt:HH:mm:ss.fff}, before the one before it ended at {previous.EndedAt:HH:mm:ss.fff}");
        }

        // Every call got its own conversation: none was matched with another call's.
        Assert.Equal(6, calls.Select(c => c.ConversationId).Distinct().Count());
        var byUser = rig.ConversationsByUserId();
        Assert.All(calls, c => DispatchKit.AssertDialedAtMostOnce(c, [.. byUser[c.Id.ToString()]]));
    }

    /// <summary>
    /// A number repeated many times at the head of a request must not hold up the other numbers behind
    /// it: the dispatcher steps over calls whose number is busy (design §4 "then FIFO" among the calls
    /// that can be dialed), so the other numbers are dialed while the first call to the repeated number is on.
    /// </summary>
    [Fact]
    public async Task ARepeatedNumberDoesNotHoldUpTheOtherNumbersOfItsRequest()
    {
        await using var rig = await DispatchRig.StartSqliteAsync(
            new SimulatorOptions { ConcurrencyLimit = 100, RingMs = 0, CallDurationMs = 1500 },
            DispatchKit.Settings(("ELEVENLABS_CONCURRENCY_LIMIT", "10")));

        var others = Enumerable.Range(0, 5).Select(i => $"+1555888{i:D4}").ToList();
        var ids = await rig.QueueNumbersAsync([.. Enumerable.Repeat(Number, 16), .. others]);
        using var client = rig.Client();
        // By number, not by position: the listing the ids come from is newest first.
        var otherIds = (await DispatchKit.GetCallsAsync(client, ids)).Where(c => others.Contains(c.ToNumber)).Select(c => c.Id).ToList();
        Assert.Equal(others.Count, otherIds.Count);
        await DispatchKit.WaitTerminalAsync(client, otherIds, TimeSpan.FromSeconds(40));

        // Claimed (committed as dialing, request sent) while the first call to the repeated number was still on.
        var firstRepeated = rig.Simulator.State.GetConversations().Where(c => c.ToNumber == Number).OrderBy(c => c.StartedAt).First();
        Assert.NotNull(firstRepeated.EndedAt);
        var calls = await DispatchKit.GetCallsAsync(client, otherIds);
        var late = calls.Select(c => (Call: c, Claimed: c.Events.First(e => e.To == "dialing").At))
            .Where(c => c.Claimed > firstRepeated.EndedAt.Value.UtcDateTime)
            .ToList();
        Assert.True(late.Count == 0,
            $"{late.Count} of {others.Count} other numbers were dialed only after the first call to the repeated number had ended "
            + $"({firstRepeated.EndedAt:HH:mm:ss.fff}), at {string.Join(", ", late.Select(c => $"{c.Claimed:HH:mm:ss.fff}"))}, "
            + "although 9 of 10 slots were free all along.");
    }
}
