using System.Net;
using System.Net.Http.Json;
using System.Text;

namespace VoiceOrchestrator.Simulator.Tests;

public sealed class ControlApiTests
{
    [Fact]
    public async Task Config_put_merges_only_the_given_settings()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions { ConcurrencyLimit = 7, RingMs = 123 });

        using var response = await harness.ConfigureAsync(new
        {
            ringMs = 0,
            outcomes = new { busy = 1 },
            numberFaults = new Dictionary<string, string> { ["+15557000001"] = "server_error_placed" },
            numberOutcomes = new Dictionary<string, string> { ["+15557000002"] = "no-answer" },
        });
        var config = await SimulatorHarness.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(7, config["concurrencyLimit"]!.GetValue<int>());
        Assert.Equal(0, config["ringMs"]!.GetValue<int>());
        Assert.Equal(0, config["outcomes"]!["answered"]!.GetValue<double>());
        Assert.Equal("server_error_placed", config["numberFaults"]!["+15557000001"]!.GetValue<string>());
        var options = harness.State.Options;
        Assert.Equal(FaultKind.ServerErrorPlaced, options.NumberFaults["+15557000001"]);
        Assert.Equal(CallOutcome.NoAnswer, options.NumberOutcomes["+15557000002"]);
        Assert.Equal(1, options.Outcomes.Busy);
    }

    [Theory]
    [InlineData("""{"ringMss":5}""")]
    [InlineData("""{"concurrencyLimit":-1}""")]
    [InlineData("""{"serverErrorRate":0.8,"timeoutRate":0.8}""")]
    [InlineData("""{"capacityAnswer":"418"}""")]
    [InlineData("""{"numberOutcomes":{"+1":"voicemail"}}""")]
    [InlineData("""[1,2]""")]
    public async Task Invalid_config_is_refused_and_changes_nothing(string json)
    {
        await using var harness = await SimulatorHarness.StartAsync();
        var before = harness.State.Options;

        using var response = await harness.Http.PutAsync("/_sim/config", new StringContent(json, Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotNull((await SimulatorHarness.ReadJsonAsync(response))["error"]);
        Assert.Same(before, harness.State.Options);
    }

    [Fact]
    public async Task Config_changes_from_csharp_take_effect_for_the_next_dial()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions { RingMs = 0, CallDurationMs = 60_000 });
        harness.State.Configure(options => options with { ConcurrencyLimit = 0 });

        using var response = await harness.DialAsync("+15557000003");

        Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        Assert.Throws<ArgumentException>(() => harness.State.Configure(options => options with { RingMs = -5 }));
    }

    [Fact]
    public async Task Stats_report_every_documented_figure()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions { RingMs = 0, CallDurationMs = 60_000, ConcurrencyLimit = 2 });
        await harness.DialPlacedAsync("+15557000004");
        await harness.DialPlacedAsync("+15557000004");
        using (await harness.DialAsync("+15557000005"))
        {
        }

        var stats = await harness.GetStatsAsync();

        string[] keys = ["activeCalls", "maxConcurrency", "totalRequests", "acceptedDials", "rejectedCapacity", "rejectedOther",
            "dialsByNumber", "completed", "failed", "webhooksSent", "webhooksFailed"];
        Assert.All(keys, key => Assert.True(stats.ContainsKey(key), key));
        Assert.Equal(2, stats["activeCalls"]!.GetValue<int>());
        Assert.Equal(2, stats["maxConcurrency"]!.GetValue<int>());
        Assert.Equal(3, stats["totalRequests"]!.GetValue<int>());
        Assert.Equal(1, stats["rejectedCapacity"]!.GetValue<int>());
        Assert.Equal(2, stats["dialsByNumber"]!["+15557000004"]!.GetValue<int>());
    }

    [Fact]
    public async Task Batch_calls_are_set_through_the_control_api_and_listed_in_the_contract_shape()
    {
        await using var harness = await SimulatorHarness.StartAsync();
        Assert.Empty((await harness.GetJsonAsync("/v1/convai/batch-calling/workspace"))["batch_calls"]!.AsArray());

        using (var put = await harness.Http.PutAsync("/_sim/batch-calls", new StringContent(
            """{"batch_calls":[{"id":"btcal_a","status":"in_progress","total_calls_dispatched":5,"agent_id":"agent_x"},{"id":"btcal_b","status":"completed"},{"id":"btcal_c"}]}""",
            Encoding.UTF8,
            "application/json")))
        {
            Assert.Equal(HttpStatusCode.OK, put.StatusCode);
        }

        var first = await harness.GetJsonAsync("/v1/convai/batch-calling/workspace?limit=2");
        var items = first["batch_calls"]!.AsArray();
        Assert.Equal(2, items.Count);
        Assert.True(first["has_more"]!.GetValue<bool>());
        Assert.Equal("btcal_b", first["next_doc"]!.GetValue<string>());
        var batch = items[0]!;
        Assert.Equal(5, batch["total_calls_dispatched"]!.GetValue<int>());
        Assert.Equal("in_progress", batch["status"]!.GetValue<string>());
        string[] required = ["id", "name", "agent_id", "agent_name", "created_at_unix", "scheduled_time_unix", "last_updated_at_unix",
            "total_calls_dispatched", "total_calls_scheduled", "total_calls_finished", "status", "retry_count", "telephony_call_config"];
        Assert.All(required, field => Assert.NotNull(batch[field]));

        var second = await harness.GetJsonAsync("/v1/convai/batch-calling/workspace?limit=2&last_doc=btcal_b");
        Assert.Equal("btcal_c", Assert.Single(second["batch_calls"]!.AsArray())!["id"]!.GetValue<string>());
        Assert.False(second["has_more"]!.GetValue<bool>());

        var byAgent = await harness.GetJsonAsync("/v1/convai/batch-calling/workspace?agent_id=agent_x");
        Assert.Single(byAgent["batch_calls"]!.AsArray());
    }

    [Fact]
    public async Task Seed_endpoint_creates_finished_conversations()
    {
        await using var harness = await SimulatorHarness.StartAsync();

        using var response = await harness.Http.PostAsJsonAsync("/_sim/conversations/seed", new { count = 12, agentId = "agent_seeded" });
        var created = await SimulatorHarness.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(12, created["conversationIds"]!.AsArray().Count);
        var page = await harness.GetJsonAsync("/v1/convai/conversations?agent_id=agent_seeded&page_size=100");
        Assert.All(page["conversations"]!.AsArray(), item => Assert.Equal("done", item!["status"]!.GetValue<string>()));
        Assert.Equal(12, page["conversations"]!.AsArray().Count);
        Assert.Equal(0, harness.State.GetStats().AcceptedDials);

        using var tooMany = await harness.Http.PostAsJsonAsync("/_sim/conversations/seed", new { count = 0 });
        Assert.Equal(HttpStatusCode.BadRequest, tooMany.StatusCode);
    }

    [Fact]
    public async Task Control_conversation_view_shows_the_recorded_call()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions { RingMs = 60_000 });
        var conversationId = await harness.DialPlacedAsync("+15557000006", SimulatorHarness.SipPath);

        var view = await harness.GetJsonAsync($"/_sim/conversations/{conversationId}");
        var list = await harness.Http.GetStringAsync("/_sim/conversations");

        Assert.Equal("sip_trunk", view["provider"]!.GetValue<string>());
        Assert.Equal("initiated", view["status"]!.GetValue<string>());
        Assert.Equal("+15557000006", view["request"]!["to_number"]!.GetValue<string>());
        Assert.Contains(conversationId, list, StringComparison.Ordinal);
        using var missing = await harness.Http.GetAsync("/_sim/conversations/conv_missing");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
