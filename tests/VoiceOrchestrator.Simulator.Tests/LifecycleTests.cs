namespace VoiceOrchestrator.Simulator.Tests;

public sealed class LifecycleTests
{
    [Fact]
    public async Task Answered_call_goes_initiated_then_in_progress_then_done()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions { RingMs = 400, CallDurationMs = 400 });

        var conversationId = await harness.DialPlacedAsync("+15554000001");
        Assert.Equal("initiated", (await harness.GetJsonAsync($"/v1/convai/conversations/{conversationId}"))["status"]!.GetValue<string>());
        Assert.Equal(1, harness.State.ActiveCalls);

        await harness.WaitForConversationStatusAsync(conversationId, "in-progress");
        Assert.Equal(1, harness.State.ActiveCalls);

        await harness.WaitForConversationStatusAsync(conversationId, "done");
        var detail = await harness.GetJsonAsync($"/v1/convai/conversations/{conversationId}");
        Assert.Equal("answered", detail["metadata"]!["phone_call"]!["call_result"]!.GetValue<string>());
        Assert.Equal(0, harness.State.ActiveCalls);
        Assert.Equal(1, harness.State.GetStats().Completed);
    }

    [Theory]
    [InlineData(CallOutcome.Busy, "busy")]
    [InlineData(CallOutcome.NoAnswer, "no_answer")]
    [InlineData(CallOutcome.Failed, "failed")]
    public async Task Number_outcome_overrides_the_mix(CallOutcome outcome, string callResult)
    {
        const string number = "+15554000002";
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions
        {
            RingMs = 0,
            NumberOutcomes = new Dictionary<string, CallOutcome> { [number] = outcome },
        });

        var pinned = await harness.DialPlacedAsync(number);
        var other = await harness.DialPlacedAsync("+15554000003");

        await harness.WaitForConversationStatusAsync(pinned, "failed");
        var detail = await harness.GetJsonAsync($"/v1/convai/conversations/{pinned}");
        Assert.Equal(callResult, detail["metadata"]!["phone_call"]!["call_result"]!.GetValue<string>());
        Assert.Empty(detail["transcript"]!.AsArray());
        await harness.WaitForConversationStatusAsync(other, "in-progress");
        Assert.Equal(1, harness.State.GetStats().Failed);
    }

    [Fact]
    public async Task Outcome_mix_is_drawn_by_weight()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions
        {
            RingMs = 0,
            CallDurationMs = 0,
            ConcurrencyLimit = 1000,
            Outcomes = new OutcomeWeights { Answered = 1, Busy = 1 },
            Seed = 11,
        });

        for (var index = 0; index < 200; index++)
        {
            await harness.DialPlacedAsync($"+1555401{index:D4}");
        }

        await SimulatorHarness.WaitUntilAsync(
            () => Task.FromResult(harness.State.GetStats() is { Completed: var completed, Failed: var failed } && completed + failed == 200),
            "all calls ended");
        Assert.InRange(harness.State.GetStats().Failed, 60, 140);
    }

    [Fact]
    public async Task Zero_ring_and_zero_duration_calls_complete_immediately()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions { RingMs = 0, CallDurationMs = 0, ConcurrencyLimit = 5 });

        for (var index = 0; index < 50; index++)
        {
            await harness.DialPlacedAsync($"+1555402{index:D4}");
            await SimulatorHarness.WaitUntilAsync(() => Task.FromResult(harness.State.ActiveCalls == 0), "the call ended");
        }

        var stats = harness.State.GetStats();
        Assert.Equal(50, stats.Completed);
        Assert.Equal(0, stats.RejectedCapacity);
        Assert.All(harness.State.GetConversations(), conversation => Assert.Equal("done", conversation.Status));
    }

    [Fact]
    public async Task Same_seed_gives_the_same_outcome_sequence()
    {
        var options = new SimulatorOptions
        {
            RingMs = 0,
            CallDurationMs = 60_000,
            ConcurrencyLimit = 100,
            Outcomes = new OutcomeWeights { Answered = 2, Busy = 1, NoAnswer = 1, Failed = 1 },
            Seed = 42,
        };

        async Task<List<string?>> RunAsync()
        {
            await using var harness = await SimulatorHarness.StartAsync(options);
            for (var index = 0; index < 30; index++)
            {
                await harness.DialPlacedAsync($"+1555403{index:D4}");
            }

            await SimulatorHarness.WaitUntilAsync(
                () => Task.FromResult(harness.State.GetConversations().All(conversation => conversation.CallResult is not null)),
                "every outcome is known");
            return [.. harness.State.GetConversations().OrderBy(conversation => conversation.ToNumber, StringComparer.Ordinal).Select(conversation => conversation.CallResult)];
        }

        var first = await RunAsync();
        var second = await RunAsync();
        Assert.Equal(first, second);
        Assert.True(first.Distinct().Count() > 1);
    }

    [Fact]
    public async Task Reset_forgets_calls_and_statistics_and_drops_their_pending_transitions()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions { RingMs = 100, CallDurationMs = 100, ConcurrencyLimit = 2 });
        await harness.DialPlacedAsync("+15554040001");
        await harness.DialPlacedAsync("+15554040002");

        using (var reset = await harness.Http.PostAsync("/_sim/reset", null))
        {
            Assert.True(reset.IsSuccessStatusCode);
        }

        var stats = harness.State.GetStats();
        Assert.Equal(0, stats.ActiveCalls);
        Assert.Equal(0, stats.TotalRequests);
        Assert.Empty(harness.State.GetConversations());

        await Task.Delay(400);
        Assert.Equal(0, harness.State.GetStats().Completed);
        await harness.DialPlacedAsync("+15554040003");
        await harness.DialPlacedAsync("+15554040004");
    }
}
