using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Dispatch;

/// <summary>
/// What each kind of provider answer does to a call (design §3 "At most once", §4 "Retries"), on SQLite.
/// Not in the "postgres" collection: these tests mostly wait on backoffs and run alongside it.
/// </summary>
public sealed class RetryTests
{
    private const string Normal = "+15551110000";

    /// <summary>The service's request timeout where a test needs dials to time out; the emulator hangs longer.</summary>
    private const string ShortTimeoutMs = "2500";

    private static Dictionary<string, string?> Settings(params (string Name, string Value)[] extra) =>
        DispatchKit.Settings([
            ("ELEVENLABS_CONCURRENCY_LIMIT", "10"),
            ("MAX_RETRY_ATTEMPTS", "3"),
            .. extra]);

    private static SimulatorOptions Emulator(int ringMs = 100) =>
        new() { ConcurrencyLimit = 100, RingMs = ringMs, CallDurationMs = 200, TimeoutMs = 6000 };

    /// <summary>(a) 429, 503 system_busy and 200 success:false at capacity: requeued, never spending an attempt.</summary>
    [Theory]
    [InlineData(CapacityAnswers.TooManyRequests)]
    [InlineData(CapacityAnswers.SystemBusy)]
    [InlineData(CapacityAnswers.SuccessFalse)]
    public async Task CapacityAnswersRequeueWithoutSpendingAnAttempt(string capacityAnswer)
    {
        await using var rig = await DispatchRig.StartSqliteAsync(
            Emulator() with { ConcurrencyLimit = 2, CapacityAnswer = capacityAnswer }, Settings());

        var numbers = await rig.QueueBulkAsync(8);
        using var client = rig.Client();
        var ids = (await DispatchKit.ListCallsAsync(client)).Select(c => c.Id).ToList();
        var calls = await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(60));

        var stats = rig.Simulator.State.GetStats();
        Assert.True(stats.RejectedCapacity > 0, "the emulator never answered at capacity: the test proves nothing");
        Assert.InRange(stats.MaxConcurrency, 1, 2);
        Assert.All(calls, c => Assert.True(c.Status == "completed" && c.Attempts == 1,
            $"{c.ToNumber} ended {c.Status} after {c.Attempts} attempts ({c.LastError}): {c.History}"));
        Assert.Contains(calls, c => c.Events.Any(e => e.Reason == "provider_at_capacity"));
        Assert.All(numbers, n => Assert.Equal(1, stats.DialsByNumber.GetValueOrDefault(n)));
        var byUser = rig.ConversationsByUserId();
        Assert.All(calls, c => DispatchKit.AssertDialedAtMostOnce(c, [.. byUser[c.Id.ToString()]]));
    }

    /// <summary>(b) A refusal (4xx) placed nothing and will not change: failed at once, one request, never retried.</summary>
    [Fact]
    public async Task ARefusalFailsTheCallAfterOneRequest()
    {
        const string refused = "+15552220001";
        await using var rig = await DispatchRig.StartSqliteAsync(
            Emulator() with { NumberFaults = new Dictionary<string, FaultKind> { [refused] = FaultKind.Refusal } }, Settings());

        var ids = await rig.QueueNumbersAsync([refused, Normal]);
        using var client = rig.Client();
        await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(20));
        await Task.Delay(1500); // Long enough for a retry (backoff ≥ 1 s) to show, had there been one.
        var calls = await DispatchKit.GetCallsAsync(client, ids);

        var call = calls.Single(c => c.ToNumber == refused);
        Assert.True(call is { Status: "failed", Attempts: 1, Claims: 1 }, $"{call.Status} attempts={call.Attempts}: {call.History}");
        Assert.Equal("invalid_parameters", call.FailureReason);
        Assert.Equal("completed", calls.Single(c => c.ToNumber == Normal).Status);
        var stats = rig.Simulator.State.GetStats();
        Assert.Equal(2, stats.TotalRequests);
        Assert.Equal(0, stats.DialsByNumber.GetValueOrDefault(refused));
    }

    /// <summary>
    /// A connection that was never made placed nothing (design §3): retried with backoff, each try spending
    /// an attempt, until MAX_RETRY_ATTEMPTS; then <c>failed</c> (attempts_exhausted).
    /// </summary>
    [Fact]
    public async Task AnUnreachableProviderIsRetriedWithBackoffUntilAttemptsRunOut()
    {
        await using var rig = await DispatchRig.StartSqliteAsync(
            Emulator(), Settings(("ELEVENLABS_BASE_URL", $"http://127.0.0.1:{ServiceProcess.FreePort()}")));

        var ids = await rig.QueueNumbersAsync([Normal]);
        using var client = rig.Client();
        var call = Assert.Single(await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(40)));

        Assert.True(call is { Status: "failed", Attempts: 3, Claims: 3, FailureReason: "attempts_exhausted" },
            $"{call.Status} ({call.FailureReason}) after {call.Attempts} attempts: {call.History}");
        Assert.Equal(2, call.Events.Count(e => e.To == "queued" && e.Reason == "provider_unreachable"));
        DispatchKit.AssertDialedAtMostOnce(call, []);
        Assert.Equal(0, rig.Simulator.State.GetStats().TotalRequests);
    }

    /// <summary>
    /// (c, e) A 5xx or a timeout after which the provider shows no call: the outcome was ambiguous, so the
    /// call is looked up first and redialed only once the provider shows nothing was placed; each such
    /// attempt counts. A fault that stays ends <c>failed</c> (attempts_exhausted) after MAX_RETRY_ATTEMPTS
    /// requests with nobody called; a fault that clears after the first attempt ends <c>completed</c> on the second.
    /// </summary>
    [Fact]
    public async Task AnAmbiguousDialThatPlacedNothingIsLookedUpThenRedialedUntilAttemptsRunOut()
    {
        const string serverErrorStays = "+15553330001";
        const string timeoutStays = "+15553330002";
        const string serverErrorClears = "+15553330003";
        const string timeoutClears = "+15553330004";
        await using var rig = await DispatchRig.StartSqliteAsync(
            Emulator() with
            {
                NumberFaults = new Dictionary<string, FaultKind>
                {
                    [serverErrorStays] = FaultKind.ServerError,
                    [timeoutStays] = FaultKind.Timeout,
                    [serverErrorClears] = FaultKind.ServerError,
                    [timeoutClears] = FaultKind.Timeout,
                },
            },
            Settings(("ELEVENLABS_TIMEOUT_MS", ShortTimeoutMs)));

        var ids = await rig.QueueNumbersAsync([serverErrorStays, timeoutStays, serverErrorClears, timeoutClears]);
        using var client = rig.Client();

        // Once the first attempt's answer is recorded as ambiguous, two numbers start to work.
        var clearing = (await DispatchKit.GetCallsAsync(client, ids))
            .Where(c => c.ToNumber == serverErrorClears || c.ToNumber == timeoutClears).Select(c => c.Id).ToList();
        await DispatchKit.WaitUntilAsync(
            async () => (await DispatchKit.GetCallsAsync(client, clearing)).All(c => c.LastError is not null),
            TimeSpan.FromSeconds(15), () => "the first attempts were not recorded as ambiguous");
        var early = await DispatchKit.GetCallsAsync(client, clearing);
        Assert.All(early, c => Assert.True(c is { Status: "dialing", Attempts: 1 }, $"{c.ToNumber} right after an ambiguous answer: {c.Status}, {c.History}"));
        rig.Simulator.State.Configure(o => o with
        {
            NumberFaults = new Dictionary<string, FaultKind> { [serverErrorStays] = FaultKind.ServerError, [timeoutStays] = FaultKind.Timeout },
        });

        var calls = await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(60));
        var stats = rig.Simulator.State.GetStats();
        var byUser = rig.ConversationsByUserId();
        foreach (var call in calls)
        {
            DispatchKit.AssertDialedAtMostOnce(call, [.. byUser[call.Id.ToString()]]);

            // Every redial waited for the look-up, which waits a few seconds after the ambiguous answer.
            var claims = call.Events.Where(e => e.To == "dialing").ToList();
            for (var i = 1; i < claims.Count; i++)
            {
                Assert.True(claims[i].At - claims[i - 1].At >= TimeSpan.FromSeconds(4),
                    $"{call.ToNumber} redialed {(claims[i].At - claims[i - 1].At).TotalSeconds:F1} s after the previous attempt: {call.History}");
            }
        }

        foreach (var number in new[] { serverErrorStays, timeoutStays })
        {
            var call = calls.Single(c => c.ToNumber == number);
            Assert.True(call is { Status: "failed", Attempts: 3, Claims: 3, FailureReason: "attempts_exhausted" },
                $"{number}: {call.Status} ({call.FailureReason}) after {call.Attempts} attempts: {call.History}");
            Assert.Equal(2, call.Events.Count(e => e.Reason == "reconciled_not_placed"));
            Assert.Equal(0, stats.DialsByNumber.GetValueOrDefault(number));
        }

        foreach (var number in new[] { serverErrorClears, timeoutClears })
        {
            var call = calls.Single(c => c.ToNumber == number);
            Assert.True(call is { Status: "completed", Attempts: 2, Claims: 2 }, $"{number}: {call.Status} after {call.Attempts} attempts: {call.History}");
            Assert.Equal(1, stats.DialsByNumber.GetValueOrDefault(number));
        }
    }

    /// <summary>
    /// (d) A 5xx or a timeout after the provider DID place the call: the conversation is found by our call id
    /// (user_id) and adopted, never redialed. Without webhooks the look-up alone settles it; with webhooks the
    /// post-call event, which names our call id, settles it even before the dial's answer is known.
    /// </summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnAmbiguousDialThatWasPlacedIsAdoptedNotRedialed(bool webhooks)
    {
        const string serverErrorPlaced = "+15554440001";
        const string timeoutPlaced = "+15554440002";
        await using var rig = await DispatchRig.StartSqliteAsync(
            Emulator() with
            {
                NumberFaults = new Dictionary<string, FaultKind>
                {
                    [serverErrorPlaced] = FaultKind.ServerErrorPlaced,
                    [timeoutPlaced] = FaultKind.TimeoutPlaced,
                },
            },
            Settings(("ELEVENLABS_TIMEOUT_MS", ShortTimeoutMs)));
        if (!webhooks)
        {
            rig.Simulator.State.Configure(o => o with { WebhookUrl = null });
        }

        var ids = await rig.QueueNumbersAsync([serverErrorPlaced, timeoutPlaced]);
        using var client = rig.Client();
        var calls = await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(30));
        await Task.Delay(1500); // A late answer or look-up must change nothing now.
        calls = await DispatchKit.GetCallsAsync(client, ids);

        var stats = rig.Simulator.State.GetStats();
        var byUser = rig.ConversationsByUserId();
        foreach (var call in calls)
        {
            Assert.True(call is { Status: "completed", Attempts: 1, Claims: 1 }, $"{call.ToNumber}: {call.Status} after {call.Attempts} attempts: {call.History}");
            Assert.Equal(1, stats.DialsByNumber.GetValueOrDefault(call.ToNumber));
            DispatchKit.AssertDialedAtMostOnce(call, [.. byUser[call.Id.ToString()]]);
            if (!webhooks)
            {
                Assert.Contains(call.Events, e => e.From == "dialing" && e.Reason == "reconciled");
            }
        }

        Assert.Equal(2, stats.TotalRequests);
    }

    /// <summary>
    /// (f) Busy and no-answer arrive as call_initiation_failure and end the call; nothing retries them.
    /// With no ring time the failure webhook can overtake the answer to the dial; with the answer held a
    /// second after the call was placed, it always does (the one instance keeps such events for the dialer).
    /// </summary>
    [Theory]
    [InlineData(300, 0)]
    [InlineData(0, 0)]
    [InlineData(0, 1000)]
    public async Task BusyAndNoAnswerEndTheCallWithoutARetry(int ringMs, int answerDelayMs)
    {
        const string busy = "+15555550001";
        const string noAnswer = "+15555550002";
        await using var proxy = await AnswerDelayProxy.StartAsync(TimeSpan.FromMilliseconds(answerDelayMs));
        await using var rig = await DispatchRig.StartSqliteAsync(
            Emulator(ringMs) with
            {
                NumberOutcomes = new Dictionary<string, CallOutcome> { [busy] = CallOutcome.Busy, [noAnswer] = CallOutcome.NoAnswer },
            },
            answerDelayMs > 0 ? Settings(("ELEVENLABS_BASE_URL", proxy.BaseAddress.ToString().TrimEnd('/'))) : Settings());
        proxy.Upstream = rig.Simulator.BaseAddress;

        var ids = await rig.QueueNumbersAsync([busy, noAnswer, Normal]);
        using var client = rig.Client();
        await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(20));
        await Task.Delay(1500);
        var calls = await DispatchKit.GetCallsAsync(client, ids);

        var busyCall = calls.Single(c => c.ToNumber == busy);
        var noAnswerCall = calls.Single(c => c.ToNumber == noAnswer);
        Assert.True(busyCall is { Status: "busy", Attempts: 1, Claims: 1, FailureReason: "busy" }, busyCall.History);
        Assert.True(noAnswerCall is { Status: "no_answer", Attempts: 1, Claims: 1, FailureReason: "no-answer" }, noAnswerCall.History);
        Assert.All(new[] { busyCall, noAnswerCall }, c => Assert.Contains(c.Events, e => e.Reason == "call_initiation_failure"));
        Assert.Equal("completed", calls.Single(c => c.ToNumber == Normal).Status);
        var stats = rig.Simulator.State.GetStats();
        Assert.Equal(3, stats.TotalRequests);
        Assert.All(new[] { busy, noAnswer, Normal }, n => Assert.Equal(1, stats.DialsByNumber.GetValueOrDefault(n)));
        var byUser = rig.ConversationsByUserId();
        Assert.All(calls, c => DispatchKit.AssertDialedAtMostOnce(c, [.. byUser[c.Id.ToString()]]));
    }
}
