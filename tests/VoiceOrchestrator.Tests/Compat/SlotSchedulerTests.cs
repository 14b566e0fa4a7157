using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using VoiceOrchestrator.Providers.ElevenLabs;
using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Dispatch;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Compat;

/// <summary>
/// The Voice Slot Scheduler's routes (<c>/enqueue-call</c>, <c>/stats</c>, its webhook body) on the one
/// queue and dispatcher, run against the service binary and the emulator.
/// </summary>
[Collection("postgres")]
public sealed class SlotSchedulerTests(PostgresFixture postgres)
{
    /// <summary>The original README's example, byte for byte.</summary>
    private const string ReadmeEnqueue =
        """{"payload":{"agentId":"AGENT_ID","agentPhoneNumberId":"PHONE_NUMBER_ID","toNumber":"+15551234567","conversationInitiationClientData":{"orderId":"123"}},"priority":0}""";

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task TheReadmeEnqueueExampleIsQueuedDialedWithItsVariablesAndCompletes(DatabaseKind kind)
    {
        await using var rig = await DispatchRig.StartAsync(kind, postgres, new SimulatorOptions { RingMs = 50, CallDurationMs = 200 });
        using var client = rig.Client();

        using var response = await client.PostAsync("enqueue-call", new StringContent(ReadmeEnqueue, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        var answer = JsonDocument.Parse(text).RootElement;
        Assert.True(answer.GetProperty("enqueued").GetBoolean());
        Assert.Equal(1, answer.GetProperty("queueSize").GetInt32());
        var id = answer.GetProperty("id").GetGuid();

        var call = Assert.Single(await DispatchKit.WaitTerminalAsync(client, [id], TimeSpan.FromSeconds(30)));
        Assert.Equal("completed", call.Status);
        var conversation = Assert.Single(rig.Simulator.State.GetConversations());
        Assert.Equal("AGENT_ID", conversation.AgentId);
        Assert.Equal("PHONE_NUMBER_ID", conversation.AgentPhoneNumberId);
        Assert.Equal("+15551234567", conversation.ToNumber);
        Assert.Equal("123", conversation.DynamicVariables!.Value.GetProperty("orderId").GetString());
        Assert.Equal(id.ToString(), DispatchKit.UserId(conversation), StringComparer.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task ClientDataWithTheContractsKeysIsPassedAsIs()
    {
        await using var rig = await DispatchRig.StartSqliteAsync(new SimulatorOptions { RingMs = 20, CallDurationMs = 100 });
        using var client = rig.Client();
        var clientData = new
        {
            dynamic_variables = new { name = "Ana" },
            conversation_config_override = new { agent = new { first_message = "Hola" } },
        };
        var response = await client.PostAsJsonAsync("enqueue-call", new
        {
            payload = new { agentId = "agent_x", agentPhoneNumberId = "phnum_x", toNumber = "+15551230001", conversationInitiationClientData = clientData },
        });
        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var id = (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("id").GetGuid();
        await DispatchKit.WaitTerminalAsync(client, [id], TimeSpan.FromSeconds(30));

        var sent = Assert.Single(rig.Simulator.State.GetConversations()).Request.GetProperty("conversation_initiation_client_data");
        Assert.Equal("Ana", sent.GetProperty("dynamic_variables").GetProperty("name").GetString());
        Assert.Equal("Hola", sent.GetProperty("conversation_config_override").GetProperty("agent").GetProperty("first_message").GetString());
        Assert.False(sent.GetProperty("dynamic_variables").TryGetProperty("conversation_config_override", out _));

        // A flat object with a nested value is neither: refused, naming the field, and nothing is queued.
        var refused = await client.PostAsJsonAsync("enqueue-call", new
        {
            payload = new { agentId = "agent_x", agentPhoneNumberId = "phnum_x", toNumber = "+15551230002", conversationInitiationClientData = new { order = new { id = 1 } } },
        });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains("payload.conversationInitiationClientData.order", await refused.Content.ReadAsStringAsync());
        Assert.Single(await DispatchKit.ListCallsAsync(client));
    }

    /// <summary>With one slot held by a long call, calls enqueued meanwhile are dialed highest priority first, FIFO within a priority.</summary>
    [Fact]
    public async Task HigherPriorityIsDialedFirst()
    {
        await using var rig = await DispatchRig.StartSqliteAsync(
            new SimulatorOptions { RingMs = 0, CallDurationMs = 2500 },
            DispatchKit.Settings(("ELEVENLABS_CONCURRENCY_LIMIT", "1")));
        using var client = rig.Client();
        var blocker = await EnqueueAsync(client, "+15552000000", 0);
        await DispatchKit.WaitUntilAsync(
            async () => (await DispatchKit.GetCallAsync(client, blocker)).Status is "ringing" or "in_progress",
            TimeSpan.FromSeconds(20), () => "the first call was not dialed");

        (int Priority, string Number)[] queued = [(0, "+15552000001"), (5, "+15552000002"), (1, "+15552000003"), (10, "+15552000004"), (5, "+15552000005"), (-3, "+15552000006")];
        var ids = new List<Guid>();
        foreach (var (priority, number) in queued)
        {
            ids.Add(await EnqueueAsync(client, number, priority));
        }

        var stats = await client.GetFromJsonAsync<JsonElement>("stats");
        Assert.Equal(queued.Length, stats.GetProperty("queueSize").GetInt32());
        Assert.Equal(2, stats.GetProperty("queueByPriority").GetProperty("5").GetInt32());
        Assert.Equal(1, stats.GetProperty("localInFlight").GetInt32());
        Assert.Equal(0, stats.GetProperty("availableSlots").GetInt32());
        Assert.True((await DispatchKit.GetCallAsync(client, blocker)).Status is "ringing" or "in_progress", "the blocker ended before all calls were enqueued");

        rig.Simulator.State.Configure(o => o with { CallDurationMs = 50 });
        await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(60));
        var order = rig.Simulator.State.GetConversations().OrderBy(c => c.StartedAt).Select(c => c.ToNumber).Skip(1).ToList();
        Assert.Equal(["+15552000004", "+15552000002", "+15552000005", "+15552000003", "+15552000001", "+15552000006"], order);
    }

    /// <summary>
    /// Calls the batch-calling list reports as in progress (on its second page) take slots from the global
    /// limit: limit 5 with 3 remote calls lets only 2 of ours be on at once.
    /// </summary>
    [Fact]
    public async Task RemoteActiveCallsLowerAdmissions()
    {
        await using var rig = await DispatchRig.StartSqliteAsync(
            new SimulatorOptions { ConcurrencyLimit = 100, RingMs = 0, CallDurationMs = 600 },
            DispatchKit.Settings(("ELEVENLABS_CONCURRENCY_LIMIT", "5"), ("ELEVENLABS_ACTIVE_CALLS_URL", "default"), ("POLLING_INTERVAL_MS", "1000")));
        // 120 finished batches fill the first page; the busy ones are on the second.
        var batches = Enumerable.Range(0, 120)
            .Select(i => new BatchCallRecord { Id = $"btcal_done_{i:D3}", Status = "completed", TotalCallsDispatched = 50 })
            .Append(new BatchCallRecord { Id = "btcal_busy_1", Status = "in_progress", TotalCallsDispatched = 4, TotalCallsFinished = 2 })
            .Append(new BatchCallRecord { Id = "btcal_busy_2", Status = "in_progress", TotalCallsDispatched = 1 })
            .ToList();
        rig.Simulator.State.SetBatchCalls(batches);
        using var client = rig.Client();
        await DispatchKit.WaitUntilAsync(
            async () => (await client.GetFromJsonAsync<JsonElement>("stats")).GetProperty("remoteActive").GetInt32() == 3,
            TimeSpan.FromSeconds(20), () => "the remote count did not reach 3");
        var stats = await client.GetFromJsonAsync<JsonElement>("stats");
        Assert.Equal("remote", stats.GetProperty("polling").GetProperty("mode").GetString());
        Assert.Equal("ok", stats.GetProperty("polling").GetProperty("lastPollResult").GetString());
        Assert.Equal(2, stats.GetProperty("polling").GetProperty("pages").GetInt32());
        Assert.Equal(2, stats.GetProperty("availableSlots").GetInt32());

        var ids = new List<Guid>();
        for (var i = 0; i < 8; i++)
        {
            ids.Add(await EnqueueAsync(client, $"+1555300{i:D4}", 0));
        }

        var calls = await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(60));
        Assert.All(calls, c => Assert.Equal("completed", c.Status));
        // Polls kept succeeding throughout (a gap past the stale period would rightly admit more).
        var polling = (await client.GetFromJsonAsync<JsonElement>("stats")).GetProperty("polling");
        Assert.True(polling.GetProperty("mode").GetString() == "remote", polling.ToString());
        Assert.True(rig.Simulator.State.GetStats().MaxConcurrency == 2, $"max concurrency {rig.Simulator.State.GetStats().MaxConcurrency}; {polling}");
    }

    /// <summary>
    /// A failing poll keeps the last good figure for a bounded time, then falls back to local counting,
    /// says so in /stats and the log, and admits calls again up to the whole limit.
    /// </summary>
    [Fact]
    public async Task AFailingPollFallsBackToLocalCounting()
    {
        var listing = await SimulatorApp.StartAsync(new SimulatorOptions());
        listing.State.SetBatchCalls([new BatchCallRecord { Id = "btcal_busy", Status = "in_progress", TotalCallsDispatched = 4 }]);
        await using var rig = await DispatchRig.StartSqliteAsync(
            new SimulatorOptions { ConcurrencyLimit = 100, RingMs = 0, CallDurationMs = 800 },
            DispatchKit.Settings(
                ("ELEVENLABS_CONCURRENCY_LIMIT", "5"),
                ("ELEVENLABS_ACTIVE_CALLS_URL", new Uri(listing.BaseAddress, "v1/convai/batch-calling/workspace").ToString()),
                ("POLLING_INTERVAL_MS", "300")));
        using var client = rig.Client();
        try
        {
            await DispatchKit.WaitUntilAsync(
                async () => (await client.GetFromJsonAsync<JsonElement>("stats")).GetProperty("remoteActive").GetInt32() == 4,
                TimeSpan.FromSeconds(20), () => "the remote count did not reach 4");
        }
        finally
        {
            await listing.DisposeAsync();
        }

        // Polls now fail (nothing listens there); the figure is kept, then dropped after 3 intervals.
        var modes = new List<string>();
        await DispatchKit.WaitUntilAsync(async () =>
        {
            var polling = (await client.GetFromJsonAsync<JsonElement>("stats")).GetProperty("polling");
            modes.Add(polling.GetProperty("mode").GetString()!);
            return modes[^1] == "local_fallback";
        }, TimeSpan.FromSeconds(20), () => $"no fallback: {string.Join(",", modes)}");
        Assert.Contains("stale", modes);
        var stats = await client.GetFromJsonAsync<JsonElement>("stats");
        Assert.Equal(0, stats.GetProperty("remoteActive").GetInt32());
        Assert.Equal("failed", stats.GetProperty("polling").GetProperty("lastPollResult").GetString());
        Assert.Equal(4, stats.GetProperty("polling").GetProperty("lastGoodCount").GetInt32());
        Assert.False(string.IsNullOrEmpty(stats.GetProperty("polling").GetProperty("lastError").GetString()));
        Assert.Equal(5, stats.GetProperty("availableSlots").GetInt32());
        await DispatchKit.WaitUntilAsync(
            () => Task.FromResult(rig.Services[0].Output.Contains("falling back to local counting", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(10), () => "the fallback was not logged");

        var ids = new List<Guid>();
        for (var i = 0; i < 10; i++)
        {
            ids.Add(await EnqueueAsync(client, $"+1555400{i:D4}", 0));
        }

        await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(60));
        Assert.Equal(5, rig.Simulator.State.GetStats().MaxConcurrency);
    }

    /// <summary>
    /// Without a webhook secret, the original's unsigned body releases the slot, found by conversation_id,
    /// callSid or callId; with a secret it is refused and changes nothing.
    /// </summary>
    [Fact]
    public async Task TheUnsignedWebhookBodyReleasesTheSlotOnlyWithoutASecret()
    {
        await using var rig = await DispatchRig.StartSqliteAsync(
            new SimulatorOptions { RingMs = 0, CallDurationMs = 120_000 },
            DispatchKit.Settings(("ELEVENLABS_WEBHOOK_SECRET", ""), ("ELEVENLABS_CONCURRENCY_LIMIT", "10")));
        using var client = rig.Client();
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            ids.Add(await EnqueueAsync(client, $"+1555500{i:D4}", 0));
        }

        var calls = new List<CallView>();
        await DispatchKit.WaitUntilAsync(async () =>
        {
            calls = await DispatchKit.GetCallsAsync(client, ids);
            return calls.All(c => c.Status is "ringing" or "in_progress" && c.ConversationId is not null);
        }, TimeSpan.FromSeconds(20), () => "the calls were not all on");
        Assert.Equal(3, (await client.GetFromJsonAsync<JsonElement>("stats")).GetProperty("localInFlight").GetInt32());

        using var anonymous = rig.Services[0].CreateClient();
        var conversationId = calls[0].ConversationId!;
        var callSid = rig.Simulator.State.FindConversation(calls[1].ConversationId!)!.CallSid;
        await PostWebhookAsync(anonymous, $$"""{"conversation_id":"{{conversationId}}","status":"completed"}""", HttpStatusCode.OK);
        await PostWebhookAsync(anonymous, $$"""{"callSid":"{{callSid}}","status":"failed"}""", HttpStatusCode.OK);
        await PostWebhookAsync(anonymous, $$"""{"callId":"{{ids[2]}}","status":"cancelled"}""", HttpStatusCode.OK);
        await PostWebhookAsync(anonymous, """{"callId":"nobody","status":"completed"}""", HttpStatusCode.OK);
        await PostWebhookAsync(anonymous, """{"callId":"nobody"}""", HttpStatusCode.BadRequest);

        var after = await DispatchKit.GetCallsAsync(client, ids);
        Assert.Equal(["completed", "failed", "cancelled"], after.Select(c => c.Status));
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("stats")).GetProperty("localInFlight").GetInt32());

        // A repeat changes nothing.
        await PostWebhookAsync(anonymous, $$"""{"conversation_id":"{{conversationId}}","status":"failed"}""", HttpStatusCode.OK);
        Assert.Equal("completed", (await DispatchKit.GetCallAsync(client, ids[0])).Status);
    }

    [Fact]
    public async Task WithASecretTheWebhookBodyMustBeSigned()
    {
        await using var rig = await DispatchRig.StartSqliteAsync(new SimulatorOptions { RingMs = 0, CallDurationMs = 120_000 });
        using var client = rig.Client();
        var id = await EnqueueAsync(client, "+15556000001", 0);
        CallView call = null!;
        await DispatchKit.WaitUntilAsync(async () =>
        {
            call = await DispatchKit.GetCallAsync(client, id);
            return call.ConversationId is not null;
        }, TimeSpan.FromSeconds(20), () => "the call was not dialed");

        using var anonymous = rig.Services[0].CreateClient();
        var body = $$"""{"conversation_id":"{{call.ConversationId}}","status":"completed"}""";
        await PostWebhookAsync(anonymous, body, HttpStatusCode.Unauthorized);
        Assert.True((await DispatchKit.GetCallAsync(client, id)).Status is "ringing" or "in_progress");

        // The same body signed with the secret is accepted.
        using var signed = new HttpRequestMessage(HttpMethod.Post, "webhook/elevenlabs") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        signed.Headers.Add(ElevenLabsSignature.HeaderName, ElevenLabsSignature.Sign(DispatchRig.WebhookSecret, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), Encoding.UTF8.GetBytes(body)));
        using var accepted = await anonymous.SendAsync(signed);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        Assert.Equal("completed", (await DispatchKit.GetCallAsync(client, id)).Status);
    }

    internal static async Task<Guid> EnqueueAsync(HttpClient client, string toNumber, int priority)
    {
        var response = await client.PostAsJsonAsync("enqueue-call", new
        {
            payload = new { agentId = DispatchRig.AgentId, agentPhoneNumberId = DispatchRig.PhoneNumberId, toNumber },
            priority,
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Accepted, text);
        return JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
    }

    private static async Task PostWebhookAsync(HttpClient client, string body, HttpStatusCode expected)
    {
        using var response = await client.PostAsync("webhook/elevenlabs", new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.True(response.StatusCode == expected, $"{body}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }
}
