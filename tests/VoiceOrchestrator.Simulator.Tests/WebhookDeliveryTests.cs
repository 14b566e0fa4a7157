using System.Text.Json.Nodes;

namespace VoiceOrchestrator.Simulator.Tests;

public sealed class WebhookDeliveryTests
{
    private const string Secret = "wsec_simulator_tests";

    private static SimulatorOptions WebhooksTo(WebhookReceiver receiver) => new()
    {
        RingMs = 0,
        CallDurationMs = 100,
        WebhookUrl = receiver.Url.ToString(),
        WebhookSecret = Secret,
    };

    [Fact]
    public async Task Answered_call_sends_a_signed_post_call_transcription_matching_the_conversation()
    {
        await using var receiver = WebhookReceiver.Start();
        await using var harness = await SimulatorHarness.StartAsync(WebhooksTo(receiver));
        var conversationId = await harness.DialPlacedAsync("+15556000001", clientData: new { dynamic_variables = new { order_id = "A-1" } });

        var webhook = await receiver.NextAsync();

        Assert.Equal("POST", webhook.Method);
        Assert.Equal("/webhooks/elevenlabs", webhook.Path);
        Assert.StartsWith("application/json", webhook.Headers["Content-Type"], StringComparison.Ordinal);
        Assert.True(IndependentSignature.IsValid(webhook.Headers["ElevenLabs-Signature"], webhook.Body, Secret, out var signedAt));
        Assert.InRange(signedAt, DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 60, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);

        var envelope = JsonNode.Parse(webhook.BodyText)!;
        Assert.Equal("post_call_transcription", envelope["type"]!.GetValue<string>());
        Assert.NotNull(envelope["event_timestamp"]);
        var data = envelope["data"]!;
        Assert.Equal(conversationId, data["conversation_id"]!.GetValue<string>());
        Assert.Equal("done", data["status"]!.GetValue<string>());
        Assert.Equal("A-1", data["conversation_initiation_client_data"]!["dynamic_variables"]!["order_id"]!.GetValue<string>());
        Assert.Equal("answered", data["metadata"]!["phone_call"]!["call_result"]!.GetValue<string>());

        var fetched = await harness.GetJsonAsync($"/v1/convai/conversations/{conversationId}");
        Assert.True(JsonNode.DeepEquals(fetched, data), "The webhook data must match GET conversation.");
        await SimulatorHarness.WaitUntilAsync(() => Task.FromResult(harness.State.GetStats().WebhooksSent == 1), "the delivery is counted");
    }

    [Fact]
    public async Task Busy_twilio_call_sends_call_initiation_failure_with_twilio_metadata()
    {
        await using var receiver = WebhookReceiver.Start();
        const string number = "+15556000002";
        await using var harness = await SimulatorHarness.StartAsync(WebhooksTo(receiver) with
        {
            NumberOutcomes = new Dictionary<string, CallOutcome> { [number] = CallOutcome.Busy },
        });
        var conversationId = await harness.DialPlacedAsync(number);

        var webhook = await receiver.NextAsync();

        Assert.True(IndependentSignature.IsValid(webhook.Headers["ElevenLabs-Signature"], webhook.Body, Secret, out _));
        var envelope = JsonNode.Parse(webhook.BodyText)!;
        Assert.Equal("call_initiation_failure", envelope["type"]!.GetValue<string>());
        var data = envelope["data"]!;
        Assert.Equal(SimulatorHarness.AgentId, data["agent_id"]!.GetValue<string>());
        Assert.Equal(conversationId, data["conversation_id"]!.GetValue<string>());
        Assert.Equal("busy", data["failure_reason"]!.GetValue<string>());
        Assert.Equal("twilio", data["metadata"]!["type"]!.GetValue<string>());
        var body = data["metadata"]!["body"]!;
        Assert.Equal(harness.State.FindConversation(conversationId)!.CallSid, body["CallSid"]!.GetValue<string>());
        Assert.Equal("busy", body["CallStatus"]!.GetValue<string>());
        Assert.Equal(number, body["To"]!.GetValue<string>());
        Assert.Equal("outbound-api", body["Direction"]!.GetValue<string>());
        Assert.IsType<string>(body["SipResponseCode"]!.GetValue<string>());
        Assert.Equal("failed", (await harness.GetJsonAsync($"/v1/convai/conversations/{conversationId}"))["status"]!.GetValue<string>());
    }

    [Theory]
    [InlineData(CallOutcome.NoAnswer, "no-answer")]
    [InlineData(CallOutcome.Failed, "unknown")]
    public async Task Unconnected_sip_call_sends_call_initiation_failure_with_sip_metadata(CallOutcome outcome, string failureReason)
    {
        await using var receiver = WebhookReceiver.Start();
        const string number = "+15556000003";
        await using var harness = await SimulatorHarness.StartAsync(WebhooksTo(receiver) with
        {
            NumberOutcomes = new Dictionary<string, CallOutcome> { [number] = outcome },
        });
        var conversationId = await harness.DialPlacedAsync(number, SimulatorHarness.SipPath);

        var data = JsonNode.Parse((await receiver.NextAsync()).BodyText)!["data"]!;

        Assert.Equal(failureReason, data["failure_reason"]!.GetValue<string>());
        Assert.Equal("sip", data["metadata"]!["type"]!.GetValue<string>());
        var body = data["metadata"]!["body"]!;
        Assert.IsType<int>(body["sip_status_code"]!.GetValue<int>());
        Assert.False(string.IsNullOrEmpty(body["error_reason"]!.GetValue<string>()));
        Assert.Equal(harness.State.FindConversation(conversationId)!.CallSid, body["call_sid"]!.GetValue<string>());
    }

    [Fact]
    public async Task The_call_stops_counting_as_active_before_its_webhook_arrives()
    {
        await using var receiver = WebhookReceiver.Start();
        await using var harness = await SimulatorHarness.StartAsync(WebhooksTo(receiver) with { ConcurrencyLimit = 1 });
        await harness.DialPlacedAsync("+15556000004");

        await receiver.NextAsync();

        Assert.Equal(0, harness.State.ActiveCalls);
        await harness.DialPlacedAsync("+15556000005");
    }

    [Fact]
    public async Task Failed_delivery_is_retried_only_as_configured()
    {
        await using var receiver = WebhookReceiver.Start();
        receiver.StatusCode = 500;
        await using var harness = await SimulatorHarness.StartAsync(WebhooksTo(receiver) with { CallDurationMs = 0, WebhookRetries = 1 });
        await harness.DialPlacedAsync("+15556000006");

        var attempts = await receiver.TakeAsync(2);

        Assert.Equal(attempts[0].BodyText, attempts[1].BodyText);
        await SimulatorHarness.WaitUntilAsync(() => Task.FromResult(harness.State.GetStats().WebhooksFailed == 1), "the delivery is given up");
        await Task.Delay(300);
        Assert.False(receiver.TryTake(out _));
        Assert.Equal(0, harness.State.GetStats().WebhooksSent);
    }

    [Fact]
    public async Task No_webhook_url_means_no_webhook()
    {
        await using var receiver = WebhookReceiver.Start();
        await using var harness = await SimulatorHarness.StartAsync(new SimulatorOptions { RingMs = 0, CallDurationMs = 0 });
        await harness.DialPlacedAsync("+15556000007");

        await SimulatorHarness.WaitUntilAsync(() => Task.FromResult(harness.State.GetStats().Completed == 1), "the call ended");
        await Task.Delay(200);

        Assert.False(receiver.TryTake(out _));
        Assert.Equal(0, harness.State.GetStats().WebhooksSent + harness.State.GetStats().WebhooksPending);
    }

    [Fact]
    public async Task Many_zero_length_calls_each_produce_exactly_one_webhook()
    {
        await using var receiver = WebhookReceiver.Start();
        await using var harness = await SimulatorHarness.StartAsync(WebhooksTo(receiver) with { CallDurationMs = 0, ConcurrencyLimit = 200 });

        var ids = await Task.WhenAll(Enumerable.Range(0, 100).Select(index => harness.DialPlacedAsync($"+1555601{index:D4}")));
        var received = await receiver.TakeAsync(100);

        var webhookIds = received.Select(webhook => JsonNode.Parse(webhook.BodyText)!["data"]!["conversation_id"]!.GetValue<string>());
        Assert.Equal(ids.Order(StringComparer.Ordinal), webhookIds.Order(StringComparer.Ordinal));
        Assert.All(received, webhook => Assert.True(IndependentSignature.IsValid(webhook.Headers["ElevenLabs-Signature"], webhook.Body, Secret, out _)));
    }
}
