using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Dispatch;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Compat;

/// <summary>
/// The AI Call Orchestrator's routes under <c>/api/v1</c>, with its calls placed through the generic
/// provider (the emulator's) and finished by its signed status callback.
/// </summary>
[Collection("postgres")]
public sealed class AiCallOrchestratorTests(PostgresFixture postgres)
{
    private const string GenericKey = "ai-call-test-key";
    private const string Secret = "whsec_generic_test";

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task TheReadmeExamplesWorkAndCallsCompleteThroughTheSignedCallback(DatabaseKind kind)
    {
        await using var generic = await StartGenericAsync(new SimulatorOptions { RingMs = 50, CallDurationMs = 3000 });
        await using var rig = await DispatchRig.StartAsync(kind, postgres, new SimulatorOptions(), GenericSettings(generic));
        using var client = rig.Client();

        // POST /api/v1/calls {to, scriptId, metadata}
        var created = await PostJsonAsync(client, "api/v1/calls", """{"to":"+15551234567","scriptId":"script-001","metadata":{"customer":"Ana","orderId":"123"}}""");
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var data = created.Body.GetProperty("data");
        Assert.True(created.Body.GetProperty("success").GetBoolean());
        Assert.Equal("PENDING", data.GetProperty("status").GetString());
        Assert.Equal(0, data.GetProperty("attempts").GetInt32());
        Assert.Equal("+15551234567", data.GetProperty("payload").GetProperty("to").GetString());
        Assert.Equal("script-001", data.GetProperty("payload").GetProperty("scriptId").GetString());
        Assert.Equal("Ana", data.GetProperty("payload").GetProperty("metadata").GetProperty("customer").GetString());
        Assert.True(data.TryGetProperty("createdAt", out _));
        var id = data.GetProperty("id").GetGuid();

        // A second call to the same number waits while the first is on (one call per phone): PATCH it while PENDING.
        var second = (await PostJsonAsync(client, "api/v1/calls", """{"to":"+15551234567","scriptId":"script-001"}""")).Body.GetProperty("data").GetProperty("id").GetGuid();
        await DispatchKit.WaitUntilAsync(async () => await StatusAsync(client, id) == "IN_PROGRESS", TimeSpan.FromSeconds(20), () => "the first call did not start");
        var pending = await client.GetFromJsonAsync<JsonElement>("api/v1/calls?status=PENDING&page=1&limit=10");
        Assert.True(pending.GetProperty("success").GetBoolean());
        Assert.Equal(second, Assert.Single(pending.GetProperty("data").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(1, pending.GetProperty("pagination").GetProperty("total").GetInt32());
        var patched = await client.PatchAsJsonAsync($"api/v1/calls/{second}", new { metadata = new { note = "changed" } });
        Assert.Equal(HttpStatusCode.OK, patched.StatusCode);
        Assert.Equal("changed", (await patched.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("data").GetProperty("payload").GetProperty("metadata").GetProperty("note").GetString());
        var refused = await client.PatchAsJsonAsync($"api/v1/calls/{id}", new { metadata = new { note = "too late" } });
        Assert.Equal(HttpStatusCode.Conflict, refused.StatusCode);

        await DispatchKit.WaitUntilAsync(async () => await StatusAsync(client, id) == "COMPLETED" && await StatusAsync(client, second) == "COMPLETED",
            TimeSpan.FromSeconds(30), () => "the calls did not complete");
        var one = await client.GetFromJsonAsync<JsonElement>($"api/v1/calls/{id}");
        Assert.True(one.GetProperty("success").GetBoolean());
        Assert.Equal(1, one.GetProperty("data").GetProperty("attempts").GetInt32());
        Assert.Equal(3.0, one.GetProperty("data").GetProperty("durationSec").GetInt32(), 1.0);

        // The provider got the documented body; the callback it sent was accepted.
        var placed = generic.State.Generic.Calls;
        Assert.Equal(2, placed.Count);
        Assert.All(placed, c => Assert.Equal(200, c.CallbackStatusCode));
        Assert.All(placed, c => Assert.EndsWith("/api/v1/callbacks/call-status", c.WebhookUrl));
        Assert.Equal("changed", placed[1].Metadata!.Value.GetProperty("note").GetString());
        Assert.Equal(1, generic.State.Generic.MaxConcurrency);
        Assert.Empty(rig.Simulator.State.GetConversations());

        var metrics = await client.GetFromJsonAsync<JsonElement>("api/v1/metrics");
        Assert.True(metrics.GetProperty("success").GetBoolean());
        Assert.Equal(2, metrics.GetProperty("data").GetProperty("COMPLETED").GetInt32());
        Assert.Equal(2, metrics.GetProperty("data").GetProperty("total").GetInt32());
        foreach (var status in new[] { "PENDING", "IN_PROGRESS", "FAILED", "EXPIRED" })
        {
            Assert.Equal(0, metrics.GetProperty("data").GetProperty(status).GetInt32());
        }

        Assert.True(metrics.TryGetProperty("timestamp", out _));
    }

    [Fact]
    public async Task ACallbackWithABadSignatureIsRefusedAndChangesNothing()
    {
        await using var generic = await StartGenericAsync(new SimulatorOptions { RingMs = 0, CallDurationMs = 120_000 });
        await using var rig = await DispatchRig.StartSqliteAsync(new SimulatorOptions(), GenericSettings(generic));
        using var client = rig.Client();
        var id = (await PostJsonAsync(client, "api/v1/calls", """{"to":"+15557000001","scriptId":"script-001"}""")).Body.GetProperty("data").GetProperty("id").GetGuid();
        // IN_PROGRESS covers dialing too: wait for the provider's answer to be recorded (state ringing).
        await DispatchKit.WaitUntilAsync(
            async () => (await client.GetFromJsonAsync<JsonElement>($"api/v1/calls/{id}")).GetProperty("data").GetProperty("state").GetString() == "ringing",
            TimeSpan.FromSeconds(20), () => "the call was not accepted by the provider");
        var providerCallId = Assert.Single(generic.State.Generic.Calls).CallId;

        using var anonymous = rig.Services[0].CreateClient();
        var body = $$"""{"callId":"{{providerCallId}}","status":"COMPLETED","durationSec":12,"completedAt":"2026-01-01T00:00:00Z"}""";
        Assert.Equal(HttpStatusCode.Unauthorized, await CallbackAsync(anonymous, body, GenericProviderState.Sign("wrong-secret", Encoding.UTF8.GetBytes(body))));
        Assert.Equal(HttpStatusCode.Unauthorized, await CallbackAsync(anonymous, body, null));
        // Signed over a different body.
        Assert.Equal(HttpStatusCode.Unauthorized, await CallbackAsync(anonymous, body, GenericProviderState.Sign(Secret, Encoding.UTF8.GetBytes(body + " "))));
        Assert.Equal("IN_PROGRESS", await StatusAsync(client, id));

        // Correctly signed: the call ends and frees its slot.
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(anonymous, body, GenericProviderState.Sign(Secret, Encoding.UTF8.GetBytes(body))));
        Assert.Equal("COMPLETED", await StatusAsync(client, id));
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("stats")).GetProperty("localInFlight").GetInt32());

        // An unknown call is acknowledged (the provider must not retry forever).
        var unknown = """{"callId":"gcall_unknown","status":"FAILED"}""";
        Assert.Equal(HttpStatusCode.OK, await CallbackAsync(anonymous, unknown, GenericProviderState.Sign(Secret, Encoding.UTF8.GetBytes(unknown))));
    }

    /// <summary>MAX_CONCURRENT_CALLS holds for generic-provider calls; every call completes once, through its callback.</summary>
    [Fact]
    public async Task TheConcurrencyLimitHoldsForGenericProviderCalls()
    {
        await using var generic = await StartGenericAsync(new SimulatorOptions { RingMs = 0, CallDurationMs = 400 });
        var settings = GenericSettings(generic);
        settings["MAX_CONCURRENT_CALLS"] = "3";
        await using var rig = await DispatchRig.StartSqliteAsync(new SimulatorOptions(), settings);
        using var client = rig.Client();
        var ids = new List<Guid>();
        for (var i = 0; i < 9; i++)
        {
            ids.Add((await PostJsonAsync(client, "api/v1/calls", $$"""{"to":"+155580000{{i:D2}}","scriptId":"script-001"}""")).Body.GetProperty("data").GetProperty("id").GetGuid());
        }

        var calls = await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(60));
        Assert.All(calls, c => Assert.True(c.Status == "completed" && c.Claims == 1, c.History));
        Assert.Equal(3, generic.State.Generic.MaxConcurrency);
        Assert.Equal(9, generic.State.Generic.Calls.Count);
    }

    /// <summary>
    /// A workspace set to the generic provider (AI_CALL_WORKSPACES) has its priority and bulk calls
    /// placed there too, with the agent id as scriptId; other workspaces still go to ElevenLabs.
    /// </summary>
    [Fact]
    public async Task AWorkspaceSetToTheGenericProviderSendsItsPriorityAndBulkCallsThere()
    {
        await using var generic = await StartGenericAsync(new SimulatorOptions { RingMs = 0, CallDurationMs = 200 });
        var settings = GenericSettings(generic);
        settings["AI_CALL_WORKSPACES"] = "ws_generic";
        await using var rig = await DispatchRig.StartSqliteAsync(new SimulatorOptions { RingMs = 0, CallDurationMs = 200 }, settings);
        using var admin = rig.Services[0].CreateClient(OrchestratorFactory.AdminToken);
        var created = await admin.PostAsJsonAsync("admin/workspaces", new { name = "Generic", id = "ws_generic" });
        Assert.True(created.IsSuccessStatusCode, await created.Content.ReadAsStringAsync());
        using var client = rig.Services[0].CreateClient((await created.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("apiKey").GetString()!);
        (await client.PostAsJsonAsync("phone-numbers", new { phoneNumberId = "phnum_g", phoneNumber = "+15550009999", provider = "twilio" })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("agents", new { agentId = "script-007", phoneNumberIds = new[] { "phnum_g" } })).EnsureSuccessStatusCode();

        var priority = await PostJsonAsync(client, "calls/priority", """{"agentId":"script-007","agentPhoneNumberId":"phnum_g","toNumber":"+15558100001"}""");
        Assert.Equal(HttpStatusCode.Accepted, priority.Status);
        var bulk = await PostJsonAsync(client, "calls/bulk",
            """{"agentId":"script-007","agentPhoneNumberId":"phnum_g","calls":[{"toNumber":"+15558100002"},{"toNumber":"+15558100003"}]}""");
        Assert.Equal(HttpStatusCode.Accepted, bulk.Status);
        using var other = rig.Client();
        var elsewhere = await PostJsonAsync(other, "calls/priority", $$"""{"agentId":"{{DispatchRig.AgentId}}","agentPhoneNumberId":"{{DispatchRig.PhoneNumberId}}","toNumber":"+15558100004"}""");
        Assert.Equal(HttpStatusCode.Accepted, elsewhere.Status);

        var ids = (await DispatchKit.ListCallsAsync(client, "")).Select(c => c.Id).ToList();
        Assert.Equal(3, ids.Count);
        var calls = await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(60));
        Assert.All(calls, c => Assert.True(c.Status == "completed", c.History));
        var otherIds = (await DispatchKit.ListCallsAsync(other, "")).Select(c => c.Id).ToList();
        await DispatchKit.WaitTerminalAsync(other, otherIds, TimeSpan.FromSeconds(60));

        var placed = generic.State.Generic.Calls;
        Assert.Equal(["+15558100001", "+15558100002", "+15558100003"], placed.Select(c => c.To).Order());
        Assert.All(placed, c => Assert.Equal("script-007", c.ScriptId));
        Assert.Equal(["+15558100004"], rig.Simulator.State.GetConversations().Select(c => c.ToNumber));
    }

    /// <summary>Validation names each field; nothing is stored for a refused request.</summary>
    [Fact]
    public async Task InvalidCallsAreRefusedNamingTheFields()
    {
        await using var generic = await StartGenericAsync(new SimulatorOptions());
        await using var rig = await DispatchRig.StartSqliteAsync(new SimulatorOptions(), GenericSettings(generic));
        using var client = rig.Client();
        var refused = await PostJsonAsync(client, "api/v1/calls", """{"to":"5551234","metadata":[1]}""");
        Assert.Equal(HttpStatusCode.BadRequest, refused.Status);
        var errors = refused.Body.GetProperty("errors");
        Assert.True(errors.TryGetProperty("to", out _) && errors.TryGetProperty("scriptId", out _) && errors.TryGetProperty("metadata", out _), refused.Body.ToString());
        var badStatus = await client.GetAsync("api/v1/calls?status=RINGING");
        Assert.Equal(HttpStatusCode.BadRequest, badStatus.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync($"api/v1/calls/{Guid.NewGuid()}")).StatusCode);
        Assert.Equal(0, (await client.GetFromJsonAsync<JsonElement>("api/v1/metrics")).GetProperty("data").GetProperty("total").GetInt32());
    }

    /// <summary>With no configuration at all, the in-process emulator serves the generic provider as well.</summary>
    [Fact]
    public async Task InDemoModeCallsGoToTheInProcessEmulator()
    {
        using var database = await TestDatabase.CreateAsync(DatabaseKind.Sqlite, null!);
        await using var service = await ServiceProcess.StartAsync(new Dictionary<string, string?> { ["DATABASE_URL"] = database.DatabaseUrl });
        using var client = service.CreateClient(await service.CreateWorkspaceAsync());
        var created = await PostJsonAsync(client, "api/v1/calls", """{"to":"+15551234567","scriptId":"script-001","metadata":{"orderId":"123"}}""");
        Assert.Equal(HttpStatusCode.Created, created.Status);
        var id = created.Body.GetProperty("data").GetProperty("id").GetGuid();
        await DispatchKit.WaitUntilAsync(async () => await StatusAsync(client, id) == "COMPLETED", TimeSpan.FromSeconds(40), () => service.Tail());
        var call = (await client.GetFromJsonAsync<JsonElement>($"api/v1/calls/{id}")).GetProperty("data");
        Assert.Equal("generic", call.GetProperty("provider").GetString());
        Assert.StartsWith("gcall_", call.GetProperty("externalCallId").GetString());
    }

    private static Task<RunningSimulator> StartGenericAsync(SimulatorOptions options) =>
        SimulatorApp.StartAsync(options with { GenericApiKey = GenericKey, GenericWebhookSecret = Secret });

    private static Dictionary<string, string?> GenericSettings(RunningSimulator generic) => new()
    {
        ["AI_CALL_API_URL"] = new Uri(generic.BaseAddress, "ai-call/v1/calls").ToString(),
        ["AI_CALL_API_KEY"] = GenericKey,
        ["WEBHOOK_SECRET"] = Secret,
    };

    private static async Task<string> StatusAsync(HttpClient client, Guid id) =>
        (await client.GetFromJsonAsync<JsonElement>($"api/v1/calls/{id}")).GetProperty("data").GetProperty("status").GetString()!;

    private static async Task<(HttpStatusCode Status, JsonElement Body)> PostJsonAsync(HttpClient client, string path, string json)
    {
        using var response = await client.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"));
        var text = await response.Content.ReadAsStringAsync();
        return (response.StatusCode, JsonDocument.Parse(text).RootElement.Clone());
    }

    private static async Task<HttpStatusCode> CallbackAsync(HttpClient client, string body, string? signature)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/v1/callbacks/call-status") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        if (signature is not null)
        {
            request.Headers.Add(GenericProviderState.SignatureHeader, signature);
        }

        using var response = await client.SendAsync(request);
        return response.StatusCode;
    }
}
