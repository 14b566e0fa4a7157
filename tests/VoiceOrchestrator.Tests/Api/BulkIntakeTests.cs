using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Api;

/// <summary><c>POST /calls/bulk</c>: many calls in one request, all or nothing unless told otherwise.</summary>
[Collection(ApiCollections.BulkIntake)]
public sealed class BulkIntakeTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task QueuesEveryCallInEitherNumberForm(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();

        var response = await workspace.Client.PostAsJsonAsync("/calls/bulk", new
        {
            workspace.AgentId,
            agentPhoneNumberId = workspace.PhoneNumberId,
            from = "+15550001111",
            calls = new object[]
            {
                new { toNumber = "+14155550100", variables = new { name = "Ana" } },
                new { to = "+14155550101" },
                new { toNumber = "+14155550102", fromNumber = "+15550009999" },
            },
        });

        await response.AssertStatusAsync(HttpStatusCode.Accepted);
        var body = await response.JsonAsync();
        Assert.True(body.GetProperty("success").GetBoolean());
        Assert.Equal(3, body.Int("requested"));
        Assert.Equal(3, body.Int("accepted"));
        Assert.Equal(0, body.Int("duplicates"));
        Assert.Equal(0, body.Int("rejected"));
        Assert.Equal(0, body.GetProperty("errors").GetArrayLength());
        Assert.Equal("queued", body.Str("status"));
        var batchId = Guid.Parse(body.Str("batchId"));

        var calls = await factory.QueryDbAsync(db => db.Calls.OrderBy(c => c.ToNumber).ToListAsync());
        Assert.Equal(["+14155550100", "+14155550101", "+14155550102"], calls.Select(c => c.ToNumber));
        Assert.All(calls, c =>
        {
            Assert.Equal(CallState.Queued, c.State);
            Assert.Equal(CallLane.Bulk, c.Lane);
            Assert.Equal(batchId, c.BatchId);
            Assert.Equal(6, c.MachineDetectionTimeout);
            Assert.Equal(50, c.Concurrency);
            Assert.Equal(GateMode.Direct, c.GateMode);
        });
        Assert.Equal(["+15550001111", "+15550001111", "+15550009999"], calls.Select(c => c.FromNumber));
        Assert.Contains("Ana", calls[0].Variables, StringComparison.Ordinal);
        Assert.Equal(3, await factory.QueryDbAsync(db => db.CallEvents.CountAsync(e => e.ToState == CallState.Queued && e.Reason == "accepted")));

        var listed = await (await workspace.Client.GetAsync($"/calls?batchId={batchId}")).JsonAsync();
        Assert.Equal(3, listed.GetProperty("pagination").Int("total"));
        Assert.All(listed.GetProperty("data").EnumerateArray(), c => Assert.Equal("bulk", c.Str("lane")));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task SpreadsCallsAcrossTheGivenAgentsInTurn(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        await workspace.AddAgentAsync("agent_b", "phnum_b");
        var numbers = Enumerable.Range(0, 5).Select(i => $"+1415555010{i}").ToArray();

        var response = await workspace.Client.PostAsJsonAsync("/calls/bulk", new
        {
            agents = new[]
            {
                new { agentId = workspace.AgentId, agentPhoneNumberId = workspace.PhoneNumberId },
                new { agentId = "agent_b", agentPhoneNumberId = "phnum_b" },
            },
            concurrency = 10,
            machineDetectionTimeout = 20,
            calls = numbers.Select(n => new { toNumber = n }),
        });

        await response.AssertStatusAsync(HttpStatusCode.Accepted);
        Assert.Equal(5, (await response.JsonAsync()).Int("accepted"));
        var calls = await factory.QueryDbAsync(db => db.Calls.ToListAsync());
        var byNumber = calls.ToDictionary(c => c.ToNumber);
        Assert.Equal(
            [workspace.AgentId, "agent_b", workspace.AgentId, "agent_b", workspace.AgentId],
            numbers.Select(n => byNumber[n].AgentId));
        Assert.All(calls, c => Assert.Equal(c.AgentId == "agent_b" ? "phnum_b" : workspace.PhoneNumberId, c.AgentPhoneNumberId));
        Assert.All(calls, c => Assert.Equal((10, 20), (c.Concurrency, c.MachineDetectionTimeout)));
        Assert.Equal(3, await workspace.Client.CallTotalAsync($"?agentId={workspace.AgentId}"));
        Assert.Equal(2, await workspace.Client.CallTotalAsync("?agentId=agent_b"));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task OneInvalidCallRefusesTheWholeRequest(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();

        var response = await workspace.Client.PostAsJsonAsync("/calls/bulk", new
        {
            workspace.AgentId,
            agentPhoneNumberId = workspace.PhoneNumberId,
            calls = new object?[]
            {
                new { toNumber = "+14155550100" },
                new { toNumber = "+14155550101" },
                new { toNumber = "+14155550102" },
                new { toNumber = "555-0103" },
                new { to = "+14155550104", variables = new { deep = new { no = 1 } } },
                null,
                new { },
            },
        });

        var errors = await response.AssertValidationProblemAsync("calls[3].toNumber", "calls[4].variables.deep", "calls[5]", "calls[6].toNumber");
        Assert.Equal(4, errors.EnumerateObject().Count());
        var problem = await response.JsonAsync();
        Assert.Contains("4 of 7", problem.Str("detail"), StringComparison.Ordinal);
        Assert.Equal(0, (await factory.CountRowsAsync()).Calls);
        Assert.Equal(0, await workspace.Client.CallTotalAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task SkipInvalidQueuesTheValidCallsAndReportsTheOthersByIndex(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();

        var response = await workspace.Client.PostAsJsonAsync("/calls/bulk", new
        {
            workspace.AgentId,
            agentPhoneNumberId = workspace.PhoneNumberId,
            skipInvalid = true,
            calls = new object?[]
            {
                new { toNumber = "+14155550100" },
                new { toNumber = "not a number" },
                new { toNumber = "+14155550102" },
                null,
                new { toNumber = "+14155550104" },
            },
        });

        await response.AssertStatusAsync(HttpStatusCode.Accepted);
        var body = await response.JsonAsync();
        Assert.Equal(5, body.Int("requested"));
        Assert.Equal(3, body.Int("accepted"));
        Assert.Equal(2, body.Int("rejected"));
        var rejected = body.GetProperty("errors").EnumerateArray().ToList();
        Assert.Equal([1, 3], rejected.Select(e => e.Int("index")));
        Assert.True(rejected[0].GetProperty("errors").TryGetProperty("toNumber", out _), rejected[0].ToString());
        Assert.Equal(["+14155550100", "+14155550102", "+14155550104"], await factory.QueryDbAsync(db => db.Calls.Select(c => c.ToNumber).OrderBy(n => n).ToListAsync()));

        // skipInvalid with nothing valid stores nothing but still answers.
        var allBad = await workspace.Client.PostAsJsonAsync("/calls/bulk", new
        {
            workspace.AgentId, agentPhoneNumberId = workspace.PhoneNumberId, skipInvalid = true, calls = new[] { new { toNumber = "x" } },
        });
        await allBad.AssertStatusAsync(HttpStatusCode.Accepted);
        Assert.Equal((0, 1), ((await allBad.JsonAsync()).Int("accepted"), (await allBad.JsonAsync()).Int("rejected")));
        Assert.Equal(3, (await factory.CountRowsAsync()).Calls);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task DropsRepeatedNumbersUnlessDuplicatesAreAllowed(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var calls = new object[] { new { toNumber = "+14155550100" }, new { toNumber = "+14155550101" }, new { to = "+14155550100" }, new { toNumber = "+14155550100" } };

        var deduplicated = await workspace.Client.PostAsJsonAsync("/calls/bulk", new { workspace.AgentId, agentPhoneNumberId = workspace.PhoneNumberId, calls });

        await deduplicated.AssertStatusAsync(HttpStatusCode.Accepted);
        var body = await deduplicated.JsonAsync();
        Assert.Equal((4, 2, 2), (body.Int("requested"), body.Int("accepted"), body.Int("duplicates")));
        Assert.Equal(2, (await factory.CountRowsAsync()).Calls);

        var allowed = await workspace.Client.PostAsJsonAsync("/calls/bulk", new { workspace.AgentId, agentPhoneNumberId = workspace.PhoneNumberId, allowDuplicates = true, calls });

        await allowed.AssertStatusAsync(HttpStatusCode.Accepted);
        body = await allowed.JsonAsync();
        Assert.Equal((4, 4, 0), (body.Int("requested"), body.Int("accepted"), body.Int("duplicates")));
        Assert.Equal(6, (await factory.CountRowsAsync()).Calls);
        Assert.Equal(4, await workspace.Client.CallTotalAsync($"?batchId={body.Str("batchId")}"));
    }

    /// <summary>Request-level JSON laid over a valid request, and the field the error must name.</summary>
    private static readonly (string Fields, string ErrorField)[] InvalidRequests =
    [
        ("\"concurrency\":0", "concurrency"),
        ("\"concurrency\":101", "concurrency"),
        ("\"machineDetectionTimeout\":31", "machineDetectionTimeout"),
        ("\"from\":\"0800 123\"", "fromNumber"),
        ("\"campaignId\":\"bad id!\"", "campaignId"),
        ("\"calls\":[]", "calls"),
        ("\"calls\":null", "calls"),
        ("\"agentId\":null", "agentId"),
        ("\"agentPhoneNumberId\":\"phnum_unknown\"", "agentPhoneNumberId"),
        ("\"agents\":[{\"agentId\":\"agent_test\",\"agentPhoneNumberId\":\"phnum_test\"},{\"agentId\":\"agent_x\",\"agentPhoneNumberId\":\"phnum_test\"}]", "agents[1].agentId"),
        ("\"agents\":[{\"agentId\":\"agent_test\",\"agentPhoneNumberId\":\"phnum_test\",\"fromNumber\":\"12\"}]", "agents[0].fromNumber"),
        ("\"agents\":[null]", "agents[0]"),
        ("\"metadata\":[1]", "metadata"),
    ];

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task RefusesEachInvalidRequestFieldAndStoresNothing(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var failures = new List<string>();

        foreach (var (fields, errorField) in InvalidRequests)
        {
            var values = new Dictionary<string, JsonElement>
            {
                ["agentId"] = JsonSerializer.SerializeToElement(workspace.AgentId),
                ["agentPhoneNumberId"] = JsonSerializer.SerializeToElement(workspace.PhoneNumberId),
                ["calls"] = JsonSerializer.SerializeToElement(new[] { new { toNumber = "+14155550100" } }),
            };
            foreach (var property in JsonDocument.Parse("{" + fields + "}").RootElement.EnumerateObject())
            {
                values[property.Name] = property.Value.Clone();
            }

            var response = await workspace.Client.PostAsJsonAsync("/calls/bulk", values);

            var text = await response.Content.ReadAsStringAsync();
            var named = response.StatusCode == HttpStatusCode.BadRequest && response.Content.Headers.ContentType?.MediaType == ApiTestKit.ProblemJson
                && JsonDocument.Parse(text).RootElement.GetProperty("errors").TryGetProperty(errorField, out _);
            if (!named)
            {
                failures.Add($"{fields}: expected 400 naming '{errorField}', got {(int)response.StatusCode} {text}");
            }
        }

        Assert.True(failures.Count == 0, string.Join("\n", failures));
        Assert.Equal(0, (await factory.CountRowsAsync()).Calls);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task TheGateModeHeaderAppliesToEveryCallOfTheRequest(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var request = new { workspace.AgentId, agentPhoneNumberId = workspace.PhoneNumberId, calls = new[] { new { toNumber = "+14155550100" }, new { toNumber = "+14155550101" } } };

        var bridged = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/bulk", request, ("x-gate-mode", "twilio_amd_bridge"));

        await bridged.AssertStatusAsync(HttpStatusCode.Accepted);
        Assert.Equal([GateMode.TwilioAmdBridge, GateMode.TwilioAmdBridge], await factory.QueryDbAsync(db => db.Calls.Select(c => c.GateMode).ToListAsync()));
        var unknown = await workspace.Client.SendAsync(HttpMethod.Post, "/calls/bulk", request, ("x-gate-mode", "psychic"));
        await unknown.AssertValidationProblemAsync("x-gate-mode");
        Assert.Equal(2, (await factory.CountRowsAsync()).Calls);
    }
}
