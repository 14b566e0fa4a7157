using System.Net;

namespace VoiceOrchestrator.Simulator.Tests;

public sealed class CapacityTests
{
    private static readonly SimulatorOptions LongCalls = new() { RingMs = 0, CallDurationMs = 60_000 };

    [Fact]
    public async Task Dial_beyond_the_limit_gets_429_concurrent_limit_exceeded_and_is_not_placed()
    {
        await using var harness = await SimulatorHarness.StartAsync(LongCalls with { ConcurrencyLimit = 1 });
        await harness.DialPlacedAsync("+15550001001");

        using var response = await harness.DialAsync("+15550001002");
        var detail = (await SimulatorHarness.ReadJsonAsync(response))["detail"]!;

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Equal("rate_limit_error", detail["type"]!.GetValue<string>());
        Assert.Equal("concurrent_limit_exceeded", detail["code"]!.GetValue<string>());
        Assert.Equal("too_many_concurrent_requests", detail["status"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(detail["message"]!.GetValue<string>()));
        Assert.Single(harness.State.GetConversations());
        var stats = harness.State.GetStats();
        Assert.Equal(1, stats.AcceptedDials);
        Assert.Equal(1, stats.RejectedCapacity);
        Assert.False(stats.DialsByNumber.ContainsKey("+15550001002"));
    }

    [Fact]
    public async Task Capacity_can_be_signalled_as_success_false()
    {
        await using var harness = await SimulatorHarness.StartAsync(LongCalls with { ConcurrencyLimit = 0, CapacityAnswer = CapacityAnswers.SuccessFalse });

        using var twilio = await harness.DialAsync("+15550001003");
        var twilioBody = await SimulatorHarness.ReadJsonAsync(twilio);
        using var sip = await harness.DialAsync("+15550001003", SimulatorHarness.SipPath);
        var sipBody = await SimulatorHarness.ReadJsonAsync(sip);

        Assert.Equal(HttpStatusCode.OK, twilio.StatusCode);
        Assert.False(twilioBody["success"]!.GetValue<bool>());
        Assert.True(twilioBody.ContainsKey("callSid") && twilioBody["callSid"] is null && twilioBody["conversation_id"] is null);
        Assert.True(sipBody.ContainsKey("sip_call_id") && sipBody["sip_call_id"] is null);
        Assert.Empty(harness.State.GetConversations());
    }

    [Fact]
    public async Task Capacity_can_be_signalled_as_503_system_busy()
    {
        await using var harness = await SimulatorHarness.StartAsync(LongCalls with { ConcurrencyLimit = 0, CapacityAnswer = CapacityAnswers.SystemBusy });

        using var response = await harness.DialAsync("+15550001004");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("system_busy", (await SimulatorHarness.ReadJsonAsync(response))["detail"]!["code"]!.GetValue<string>());
    }

    [Fact]
    public async Task Two_hundred_parallel_dials_with_limit_ten_place_exactly_ten()
    {
        await using var harness = await SimulatorHarness.StartAsync(LongCalls with { ConcurrencyLimit = 10 });

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(index => harness.DialAsync($"+1555100{index:D4}")));
        var statuses = responses.Select(response => response.StatusCode).ToList();
        foreach (var response in responses)
        {
            response.Dispose();
        }

        Assert.Equal(10, statuses.Count(status => status == HttpStatusCode.OK));
        Assert.Equal(190, statuses.Count(status => status == HttpStatusCode.TooManyRequests));
        var stats = harness.State.GetStats();
        Assert.Equal(10, stats.ActiveCalls);
        Assert.Equal(10, stats.MaxConcurrency);
        Assert.Equal(200, stats.TotalRequests);
        Assert.Equal(10, stats.AcceptedDials);
        Assert.Equal(190, stats.RejectedCapacity);
    }

    [Fact]
    public async Task Max_concurrency_remembers_the_peak_after_calls_end()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions { RingMs = 0, CallDurationMs = 300, ConcurrencyLimit = 5 });

        await Task.WhenAll(Enumerable.Range(0, 3).Select(index => harness.DialPlacedAsync($"+155520000{index}")));
        await SimulatorHarness.WaitUntilAsync(() => Task.FromResult(harness.State.ActiveCalls == 0), "the calls ended");
        await harness.DialPlacedAsync("+15552000009");

        var stats = await harness.GetStatsAsync();
        Assert.Equal(3, stats["maxConcurrency"]!.GetValue<int>());
        Assert.Equal(3, stats["completed"]!.GetValue<int>());
    }

    [Fact]
    public async Task A_slot_frees_when_a_call_ends()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions { RingMs = 0, CallDurationMs = 200, ConcurrencyLimit = 1 });
        await harness.DialPlacedAsync("+15552000010");

        using (var refused = await harness.DialAsync("+15552000011"))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        }

        await SimulatorHarness.WaitUntilAsync(() => Task.FromResult(harness.State.ActiveCalls == 0), "the first call ended");
        await harness.DialPlacedAsync("+15552000011");
    }

    [Fact]
    public async Task External_active_calls_occupy_capacity_and_show_in_the_live_count()
    {
        await using var harness = await SimulatorHarness.StartAsync(LongCalls with { ConcurrencyLimit = 3, ExternalActiveCalls = 2 });

        await harness.DialPlacedAsync("+15552000020");
        using var refused = await harness.DialAsync("+15552000021");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal(3, (await harness.GetJsonAsync("/v1/convai/analytics/live-count"))["count"]!.GetValue<int>());
        Assert.Equal(1, (await harness.GetJsonAsync($"/v1/convai/analytics/live-count?agent_id={SimulatorHarness.AgentId}"))["count"]!.GetValue<int>());
        Assert.Equal(0, (await harness.GetJsonAsync("/v1/convai/analytics/live-count?agent_id=agent_other"))["count"]!.GetValue<int>());
    }
}
