using System.Net;
using System.Net.Http.Json;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Api;

/// <summary><c>POST /calls/priority</c>: one call, checked against design §9 and the workspace's agents and numbers.</summary>
[Collection(ApiCollections.PriorityIntake)]
public sealed class PriorityIntakeTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task QueuesACallWithTheDocumentedDefaults(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();

        var response = await workspace.Client.PostAsJsonAsync("/calls/priority", new
        {
            agentId = workspace.AgentId,
            agentPhoneNumberId = workspace.PhoneNumberId,
            toNumber = "+14155550100",
            fromNumber = "+15550001111",
            variables = new { firstName = "Ana", balance = 12.5, vip = true },
            metadata = new { crmId = "lead-42", tags = new[] { "a", "b" } },
        });

        await response.AssertStatusAsync(HttpStatusCode.Accepted);
        var call = await response.JsonAsync();
        var id = Guid.Parse(call.Str("id"));
        Assert.Equal(id.ToString(), call.Str("callId"));
        Assert.Equal(workspace.Id, call.Str("workspaceId"));
        Assert.Equal("queued", call.Str("status"));
        Assert.Equal("priority", call.Str("lane"));
        Assert.Equal("direct", call.Str("gateMode"));
        Assert.Equal(workspace.AgentId, call.Str("agentId"));
        Assert.Equal(workspace.PhoneNumberId, call.Str("agentPhoneNumberId"));
        Assert.Equal("+14155550100", call.Str("toNumber"));
        Assert.Equal("+15550001111", call.Str("fromNumber"));
        Assert.Equal(6, call.Int("machineDetectionTimeout"));
        Assert.Equal(50, call.Int("concurrency"));
        Assert.True(call.GetProperty("enableMachineDetection").GetBoolean());
        Assert.Equal(0, call.Int("attempts"));
        Assert.Equal("Ana", call.GetProperty("variables").Str("firstName"));
        Assert.Equal(12.5, call.GetProperty("variables").GetProperty("balance").GetDouble());
        Assert.Equal("lead-42", call.GetProperty("metadata").Str("crmId"));

        var stored = await factory.QueryDbAsync(db => db.Calls.SingleAsync());
        Assert.Equal(id, stored.Id);
        Assert.Equal(CallState.Queued, stored.State);
        Assert.Equal(CallLane.Priority, stored.Lane);
        Assert.Equal("+14155550100", stored.ToNumber);
        Assert.Equal(6, stored.MachineDetectionTimeout);
        Assert.Equal(50, stored.Concurrency);

        var read = await (await workspace.Client.GetAsync($"/calls/{id}")).JsonAsync();
        Assert.Equal("+14155550100", read.Str("toNumber"));
        Assert.True(read.GetProperty("variables").GetProperty("vip").GetBoolean());
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task AcceptsTheOlderToAndFromNames(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();

        var response = await workspace.Client.PostAsJsonAsync("/calls/priority", new
        {
            agentId = workspace.AgentId,
            agentPhoneNumberId = workspace.PhoneNumberId,
            to = "+442071838750",
            from = "+15550001111",
            machineDetectionTimeout = 12,
            enableMachineDetection = false,
            concurrency = 3,
        });

        await response.AssertStatusAsync(HttpStatusCode.Accepted);
        var call = await response.JsonAsync();
        Assert.Equal("+442071838750", call.Str("toNumber"));
        Assert.Equal("+15550001111", call.Str("fromNumber"));
        Assert.Equal(12, call.Int("machineDetectionTimeout"));
        Assert.Equal(3, call.Int("concurrency"));
        Assert.False(call.GetProperty("enableMachineDetection").GetBoolean());

        // The same value under both names is fine; two different values are refused.
        var same = await workspace.Client.PostAsJsonAsync("/calls/priority", new { workspace.AgentId, agentPhoneNumberId = workspace.PhoneNumberId, to = "+14155550100", toNumber = "+14155550100" });
        await same.AssertStatusAsync(HttpStatusCode.Accepted);
        var disagree = await workspace.Client.PostAsJsonAsync("/calls/priority", new { workspace.AgentId, agentPhoneNumberId = workspace.PhoneNumberId, to = "+14155550100", toNumber = "+14155550111" });
        await disagree.AssertValidationProblemAsync("toNumber");
        Assert.Equal(2, await workspace.Client.CallTotalAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task RefusesAnAgentOrNumberNotRegisteredToTheWorkspace(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var c = workspace.Client;

        await (await c.PostAsJsonAsync("/calls/priority", new { agentId = "agent_unknown", agentPhoneNumberId = "phnum_unknown", toNumber = "+14155550100" }))
            .AssertValidationProblemAsync("agentId", "agentPhoneNumberId");
        var onlyAgent = await (await c.PostAsJsonAsync("/calls/priority", new { agentId = "agent_unknown", agentPhoneNumberId = workspace.PhoneNumberId, toNumber = "+14155550100" }))
            .AssertValidationProblemAsync("agentId");
        Assert.False(onlyAgent.TryGetProperty("agentPhoneNumberId", out _));
        await (await c.PostAsJsonAsync("/calls/priority", new { workspace.AgentId, agentPhoneNumberId = "phnum_unknown", toNumber = "+14155550100" }))
            .AssertValidationProblemAsync("agentPhoneNumberId");
        await (await c.PostAsJsonAsync("/calls/priority", new { toNumber = "+14155550100" }))
            .AssertValidationProblemAsync("agentId", "agentPhoneNumberId");

        Assert.Equal(0, (await factory.CountRowsAsync()).Calls);
    }

    /// <summary>A field to set, its JSON value, and the field the error must name.</summary>
    private static readonly (string Field, string Json, string ErrorField)[] InvalidFields =
    [
        ("toNumber", "\"4155550100\"", "toNumber"),
        ("toNumber", "\"+04155550100\"", "toNumber"),
        ("toNumber", "\"+1 415 555 0100\"", "toNumber"),
        ("toNumber", "\"+1415555010a\"", "toNumber"),
        ("toNumber", "\"+1234567890123456\"", "toNumber"),
        ("toNumber", "\"\"", "toNumber"),
        ("toNumber", "null", "toNumber"),
        ("fromNumber", "\"555-0100\"", "fromNumber"),
        ("from", "\"tel:+15550001111\"", "fromNumber"),
        ("machineDetectionTimeout", "0", "machineDetectionTimeout"),
        ("machineDetectionTimeout", "31", "machineDetectionTimeout"),
        ("machineDetectionTimeout", "-5", "machineDetectionTimeout"),
        ("concurrency", "0", "concurrency"),
        ("concurrency", "101", "concurrency"),
        ("priority", "1001", "priority"),
        ("variables", "[1,2]", "variables"),
        ("variables", "{\"nested\":{\"a\":1}}", "variables.nested"),
        ("metadata", "\"text\"", "metadata"),
        ("campaignId", "\"not a valid id\"", "campaignId"),
    ];

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task RefusesEachInvalidFieldWithAProblemNamingItAndStoresNothing(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var failures = new List<string>();

        foreach (var (field, json, errorField) in InvalidFields)
        {
            var toNumber = field == "toNumber" ? "" : "\"toNumber\":\"+14155550100\",";
            var body = $"{{{toNumber}\"agentId\":\"{workspace.AgentId}\",\"agentPhoneNumberId\":\"{workspace.PhoneNumberId}\",\"{field}\":{json}}}";

            var response = await workspace.Client.PostRawAsync("/calls/priority", body);

            var text = await response.Content.ReadAsStringAsync();
            var names = response.StatusCode == HttpStatusCode.BadRequest && response.Content.Headers.ContentType?.MediaType == ApiTestKit.ProblemJson
                ? System.Text.Json.JsonDocument.Parse(text).RootElement.GetProperty("errors").EnumerateObject().Select(e => e.Name).ToList()
                : [];
            if (names is not [var only] || only != errorField)
            {
                failures.Add($"{field}={json}: expected 400 naming only '{errorField}', got {(int)response.StatusCode} {text}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(0, (await factory.CountRowsAsync()).Calls);
        Assert.Equal(0, await workspace.Client.CallTotalAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task AcceptsTheBoundariesOfEachRange(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();

        var low = await workspace.QueueCallAsync("+14155550100", new { machineDetectionTimeout = 1, concurrency = 1 });
        var high = await workspace.QueueCallAsync("+14155550101", new { machineDetectionTimeout = 30, concurrency = 100 });

        Assert.Equal((1, 1), (low.Int("machineDetectionTimeout"), low.Int("concurrency")));
        Assert.Equal((30, 100), (high.Int("machineDetectionTimeout"), high.Int("concurrency")));
        var stored = await factory.QueryDbAsync(db => db.Calls.OrderBy(c => c.MachineDetectionTimeout).Select(c => new { c.MachineDetectionTimeout, c.Concurrency }).ToListAsync());
        Assert.Equal(new[] { new { MachineDetectionTimeout = 1, Concurrency = 1 }, new { MachineDetectionTimeout = 30, Concurrency = 100 } }, stored);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task TheGateModeHeaderSetsTheCallsGateMode(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();

        var bridged = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/priority", workspace.PriorityCall("+14155550100"), ("x-gate-mode", "twilio_amd_bridge"));
        await bridged.AssertStatusAsync(HttpStatusCode.Accepted);
        var call = await bridged.JsonAsync();
        Assert.Equal("twilio_amd_bridge", call.Str("gateMode"));
        Assert.Equal(GateMode.TwilioAmdBridge, await factory.QueryDbAsync(db => db.Calls.Select(c => c.GateMode).SingleAsync()));

        var direct = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/priority", workspace.PriorityCall("+14155550101"), ("x-gate-mode", "direct"));
        Assert.Equal("direct", (await direct.JsonAsync()).Str("gateMode"));

        var unknown = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/priority", workspace.PriorityCall("+14155550102"), ("x-gate-mode", "voicemail_drop"));
        await unknown.AssertValidationProblemAsync("x-gate-mode");
        Assert.Equal(2, (await factory.CountRowsAsync()).Calls);
    }
}
