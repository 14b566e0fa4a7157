using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace VoiceOrchestrator.Simulator.Tests;

public sealed partial class OutboundCallTests
{
    [Fact]
    public async Task Twilio_route_answers_all_four_keys_with_camel_case_callSid()
    {
        await using var harness = await SimulatorHarness.StartAsync();

        using var response = await harness.DialAsync("+15550000001");
        var body = await SimulatorHarness.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["success", "message", "conversation_id", "callSid"], body.Select(property => property.Key));
        Assert.True(body["success"]!.GetValue<bool>());
        Assert.Matches(ConversationIdPattern(), body["conversation_id"]!.GetValue<string>());
        Assert.Matches(CallSidPattern(), body["callSid"]!.GetValue<string>());
    }

    [Fact]
    public async Task Sip_route_answers_all_four_keys_with_snake_case_sip_call_id()
    {
        await using var harness = await SimulatorHarness.StartAsync();

        using var response = await harness.DialAsync("+15550000002", SimulatorHarness.SipPath);
        var body = await SimulatorHarness.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(["success", "message", "conversation_id", "sip_call_id"], body.Select(property => property.Key));
        Assert.Matches(ConversationIdPattern(), body["conversation_id"]!.GetValue<string>());
        Assert.True(Guid.TryParse(body["sip_call_id"]!.GetValue<string>(), out _));
    }

    [Fact]
    public async Task Missing_api_key_is_refused_with_the_legacy_401_shape()
    {
        await using var harness = await SimulatorHarness.StartAsync();
        harness.Http.DefaultRequestHeaders.Remove("xi-api-key");

        using var response = await harness.DialAsync("+15550000003");
        var body = await SimulatorHarness.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("invalid_api_key", body["detail"]!["status"]!.GetValue<string>());
        Assert.False(string.IsNullOrEmpty(body["detail"]!["message"]!.GetValue<string>()));
        Assert.Equal(0, harness.State.GetStats().AcceptedDials);
    }

    [Fact]
    public async Task Wrong_api_key_is_refused_when_a_key_is_configured()
    {
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions { ApiKey = "sk_the_real_one" });

        using var wrong = await harness.DialAsync("+15550000004");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);

        harness.Http.DefaultRequestHeaders.Remove("xi-api-key");
        harness.Http.DefaultRequestHeaders.Add("xi-api-key", "sk_the_real_one");
        using var right = await harness.DialAsync("+15550000004");
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task Missing_required_field_answers_the_fastapi_422_shape()
    {
        await using var harness = await SimulatorHarness.StartAsync();

        using var response = await harness.PostJsonAsync(
            SimulatorHarness.TwilioPath,
            """{"agent_id":"agent_test","agent_phone_number_id":"phnum_test"}""");
        var body = await SimulatorHarness.ReadJsonAsync(response);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        var issue = Assert.Single(body["detail"]!.AsArray())!;
        Assert.Equal("""{"loc":["body","to_number"],"msg":"Field required","type":"missing"}""", issue.ToJsonString());
        Assert.Equal(1, harness.State.GetStats().RejectedOther);
    }

    [Fact]
    public async Task Every_missing_field_and_invalid_json_are_reported()
    {
        await using var harness = await SimulatorHarness.StartAsync();

        using var empty = await harness.PostJsonAsync(SimulatorHarness.SipPath, "{}");
        var locations = (await SimulatorHarness.ReadJsonAsync(empty))["detail"]!.AsArray()
            .Select(issue => issue!["loc"]![1]!.GetValue<string>());
        Assert.Equal(["agent_id", "agent_phone_number_id", "to_number"], locations);

        using var broken = await harness.PostJsonAsync(SimulatorHarness.SipPath, "{not json");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, broken.StatusCode);
        Assert.Equal("json_invalid", (await SimulatorHarness.ReadJsonAsync(broken))["detail"]![0]!["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_whole_request_is_recorded_with_the_conversation()
    {
        await using var harness = await SimulatorHarness.StartAsync();
        const string body = """
            {"agent_id":"agent_test","agent_phone_number_id":"phnum_test","to_number":"+15550000005",
             "conversation_initiation_client_data":{"user_id":"crm-42","dynamic_variables":{"customer_name":"Jane","amount_due":42.5,"vip":true}},
             "telephony_call_config":{"ringing_timeout_secs":30}}
            """;

        using var response = await harness.PostJsonAsync(SimulatorHarness.TwilioPath, body);
        var conversationId = (await SimulatorHarness.ReadJsonAsync(response))["conversation_id"]!.GetValue<string>();

        var recorded = harness.State.FindConversation(conversationId)!;
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(body), JsonNode.Parse(recorded.Request.GetRawText())));
        Assert.Equal("Jane", recorded.DynamicVariables!.Value.GetProperty("customer_name").GetString());
        Assert.Equal("twilio", recorded.Provider);

        var overHttp = await harness.GetJsonAsync($"/_sim/conversations/{conversationId}");
        Assert.Equal(30, overHttp["request"]!["telephony_call_config"]!["ringing_timeout_secs"]!.GetValue<int>());
    }

    [GeneratedRegex("^conv_[a-z0-9]{26}$")]
    private static partial Regex ConversationIdPattern();

    [GeneratedRegex("^CA[0-9a-f]{32}$")]
    private static partial Regex CallSidPattern();
}
