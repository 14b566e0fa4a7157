using System.Net;
using System.Text.Json.Nodes;

namespace VoiceOrchestrator.Simulator.Tests;

public sealed class ConversationApiTests
{
    private static readonly string[] SummaryFields =
        ["agent_id", "conversation_id", "start_time_unix_secs", "call_duration_secs", "message_count", "status", "call_successful"];

    [Fact]
    public async Task List_is_newest_first_with_the_contract_summary_fields()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions { RingMs = 60_000 });
        var older = await harness.DialPlacedAsync("+15555000001");
        var newer = await harness.DialPlacedAsync("+15555000002");

        var page = await harness.GetJsonAsync("/v1/convai/conversations");

        var conversations = page["conversations"]!.AsArray();
        Assert.Equal([newer, older], conversations.Select(item => item!["conversation_id"]!.GetValue<string>()));
        Assert.False(page["has_more"]!.GetValue<bool>());
        Assert.True(page.ContainsKey("next_cursor") && page["next_cursor"] is null);
        var summary = conversations[0]!.AsObject();
        Assert.All(SummaryFields, field => Assert.True(summary.ContainsKey(field), field));
        Assert.Equal("initiated", summary["status"]!.GetValue<string>());
        Assert.Equal("unknown", summary["call_successful"]!.GetValue<string>());
        Assert.False(summary.ContainsKey("transcript_summary"));
    }

    [Fact]
    public async Task Cursor_paging_walks_every_conversation_once()
    {
        await using var harness = await SimulatorHarness.StartAsync();
        var seeded = harness.State.SeedConversations(25, "agent_paging");

        var seen = new List<string>();
        string? cursor = null;
        for (var pageNumber = 0; pageNumber < 10; pageNumber++)
        {
            var query = "/v1/convai/conversations?page_size=10" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor));
            var page = await harness.GetJsonAsync(query);
            seen.AddRange(page["conversations"]!.AsArray().Select(item => item!["conversation_id"]!.GetValue<string>()));
            if (!page["has_more"]!.GetValue<bool>())
            {
                Assert.Null(page["next_cursor"]);
                break;
            }

            cursor = page["next_cursor"]!.GetValue<string>();
        }

        Assert.Equal(seeded.Reverse(), seen);
    }

    [Fact]
    public async Task Filters_by_agent_and_start_time()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions { RingMs = 60_000 });
        harness.State.SeedConversations(5, "agent_history");
        var live = await harness.DialPlacedAsync("+15555000003", agentId: "agent_live");
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var byAgent = await harness.GetJsonAsync("/v1/convai/conversations?agent_id=agent_history");
        Assert.Equal(5, byAgent["conversations"]!.AsArray().Count);

        var recent = await harness.GetJsonAsync($"/v1/convai/conversations?call_start_after_unix={now - 30}");
        Assert.Equal(live, Assert.Single(recent["conversations"]!.AsArray())!["conversation_id"]!.GetValue<string>());

        var earlier = await harness.GetJsonAsync($"/v1/convai/conversations?call_start_before_unix={now - 30}");
        Assert.Equal(5, earlier["conversations"]!.AsArray().Count);

        var successful = await harness.GetJsonAsync("/v1/convai/conversations?call_successful=success&summary_mode=include");
        Assert.All(successful["conversations"]!.AsArray(), item => Assert.NotNull(item!["transcript_summary"]));
        Assert.Equal(5, successful["conversations"]!.AsArray().Count);
    }

    [Theory]
    [InlineData("page_size=101", "less_than_equal")]
    [InlineData("page_size=0", "greater_than_equal")]
    [InlineData("page_size=ten", "int_parsing")]
    [InlineData("cursor=%21%21", "value_error")]
    public async Task Invalid_query_answers_422(string query, string issueType)
    {
        await using var harness = await SimulatorHarness.StartAsync();

        using var response = await harness.Http.GetAsync("/v1/convai/conversations?" + query);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var issue = (await SimulatorHarness.ReadJsonAsync(response))["detail"]![0]!;
        Assert.Equal("query", issue["loc"]![0]!.GetValue<string>());
        Assert.Equal(issueType, issue["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Detail_of_a_finished_twilio_call_has_the_contract_fields()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions { RingMs = 0, CallDurationMs = 1200 });
        var clientData = new
        {
            user_id = "crm-7",
            dynamic_variables = new { customer_name = "Jane" },
            conversation_config_override = new { agent = new { first_message = "Hi {{customer_name}}" } },
        };
        var conversationId = await harness.DialPlacedAsync("+15555000004", clientData: clientData);
        var callSid = harness.State.FindConversation(conversationId)!.CallSid;
        await harness.WaitForConversationStatusAsync(conversationId, "done");

        var detail = await harness.GetJsonAsync($"/v1/convai/conversations/{conversationId}");

        Assert.Equal(SimulatorHarness.AgentId, detail["agent_id"]!.GetValue<string>());
        Assert.Equal("crm-7", detail["user_id"]!.GetValue<string>());
        foreach (var flag in new[] { "has_audio", "has_user_audio", "has_response_audio", "has_auxiliary_audio" })
        {
            Assert.NotNull(detail[flag]);
        }

        var transcript = detail["transcript"]!.AsArray();
        Assert.Equal("Hi Jane", transcript[0]!["message"]!.GetValue<string>());
        Assert.All(transcript, turn => Assert.NotNull(turn!["time_in_call_secs"]));

        var metadata = detail["metadata"]!;
        Assert.InRange(metadata["call_duration_secs"]!.GetValue<int>(), 1, 3);
        Assert.True(metadata["start_time_unix_secs"]!.GetValue<long>() > 1_700_000_000);
        Assert.NotNull(metadata["cost"]);
        Assert.NotNull(metadata["termination_reason"]);
        var phoneCall = metadata["phone_call"]!;
        Assert.Equal("twilio", phoneCall["type"]!.GetValue<string>());
        Assert.Equal("outbound", phoneCall["direction"]!.GetValue<string>());
        Assert.Equal(SimulatorHarness.PhoneNumberId, phoneCall["phone_number_id"]!.GetValue<string>());
        Assert.Equal("+15555000004", phoneCall["external_number"]!.GetValue<string>());
        Assert.Equal(callSid, phoneCall["call_sid"]!.GetValue<string>());
        Assert.StartsWith("MZ", phoneCall["stream_sid"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.NotNull(phoneCall["agent_number"]);

        Assert.Equal("success", detail["analysis"]!["call_successful"]!.GetValue<string>());
        Assert.NotNull(detail["analysis"]!["transcript_summary"]);
        Assert.True(JsonNode.DeepEquals(
            JsonNode.Parse("""{"customer_name":"Jane"}"""),
            detail["conversation_initiation_client_data"]!["dynamic_variables"]));
    }

    [Fact]
    public async Task Sip_conversation_reports_sip_trunking_phone_call()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions { RingMs = 60_000 });
        var conversationId = await harness.DialPlacedAsync("+15555000005", SimulatorHarness.SipPath);

        var phoneCall = (await harness.GetJsonAsync($"/v1/convai/conversations/{conversationId}"))["metadata"]!["phone_call"]!;

        Assert.Equal("sip_trunking", phoneCall["type"]!.GetValue<string>());
        Assert.True(Guid.TryParse(phoneCall["call_sid"]!.GetValue<string>(), out _));
    }

    [Fact]
    public async Task Unknown_conversation_is_404_and_reads_need_an_api_key()
    {
        await using var harness = await SimulatorHarness.StartAsync();

        using var missing = await harness.Http.GetAsync("/v1/convai/conversations/conv_doesnotexist");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.NotNull((await SimulatorHarness.ReadJsonAsync(missing))["detail"]);

        harness.Http.DefaultRequestHeaders.Remove("xi-api-key");
        using var anonymous = await harness.Http.GetAsync("/v1/convai/conversations");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }
}
