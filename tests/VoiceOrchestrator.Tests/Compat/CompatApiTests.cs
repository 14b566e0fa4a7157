using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using VoiceOrchestrator.Tests.Api;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Compat;

/// <summary>
/// The compatibility routes as an API, with the dispatcher parked (calls stay queued): hostile input is a 4xx
/// problem that stores nothing, PENDING calls can be changed, Idempotency-Key and tenancy hold.
/// </summary>
[Collection(CompatApiCollection.Name)]
public sealed class CompatApiTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task HostileInputIsRefusedAndStoresNothing(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind, new Dictionary<string, string?> { ["AI_CALL_API_URL"] = "http://127.0.0.1:9/calls", ["WEBHOOK_SECRET"] = "s" });
        using var workspace = await factory.CreateWorkspaceAsync();
        var before = await factory.CountRowsAsync();
        var payload = "\"agentId\":\"a\",\"agentPhoneNumberId\":\"p\"";
        var cases = new (string Path, string Body, string? Field)[]
        {
            ("/enqueue-call", "not json", null),
            ("/enqueue-call", "[]", null),
            ("/enqueue-call", "{}", "payload"),
            ("/enqueue-call", "{\"payload\":\"x\"}", null),
            ("/enqueue-call", $"{{\"payload\":{{{payload},\"toNumber\":\"555\"}}}}", "payload.toNumber"),
            ("/enqueue-call", "{\"payload\":{\"toNumber\":\"+15551234567\"}}", "payload.agentId"),
            ("/enqueue-call", $"{{\"payload\":{{{payload},\"toNumber\":\"+15551234567\"}},\"priority\":5000}}", "priority"),
            ("/enqueue-call", $"{{\"payload\":{{{payload},\"toNumber\":\"+15551234567\"}},\"priority\":\"high\"}}", null),
            ("/enqueue-call", $"{{\"payload\":{{{payload},\"toNumber\":\"+15551234567\",\"conversationInitiationClientData\":[1]}}}}", "payload.conversationInitiationClientData"),
            ("/api/v1/calls", "{\"to\":\"+15551234567\"}", "scriptId"),
            ("/api/v1/calls", "{\"to\":12,\"scriptId\":\"s\"}", null),
            ("/api/v1/calls", "{\"to\":\"+15551234567\",\"scriptId\":\"s\",\"metadata\":\"x\"}", "metadata"),
            ("/api/v1/calls", "\"x\"", null),
        };
        foreach (var (path, body, field) in cases)
        {
            var response = await workspace.Client.PostRawAsync(path, body);
            Assert.True((int)response.StatusCode is >= 400 and < 500, $"{path} {body}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
            if (field is not null)
            {
                await response.AssertValidationProblemAsync(field);
            }
        }

        using var anonymous = factory.CreateClient();
        foreach (var body in new[] { "not json", "[]", "null", "{\"callId\":\"x\"}", "{\"callId\":\"x\",\"status\":\"COMPLETED\",\"durationSec\":1e300}" })
        {
            var response = await anonymous.PostRawAsync("/api/v1/callbacks/call-status", body);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        var bad = await workspace.Client.GetAsync("/api/v1/calls?status=NOPE&limit=0");
        await bad.AssertValidationProblemAsync("status", "limit");
        await (await workspace.Client.GetAsync("/api/v1/calls/not-a-guid")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(before, await factory.CountRowsAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task PendingCallsChangeIdempotencyAndTenancyHold(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind, new Dictionary<string, string?> { ["AI_CALL_API_URL"] = "http://127.0.0.1:9/calls" });
        using var workspace = await factory.CreateWorkspaceAsync();
        using var other = await factory.CreateWorkspaceAsync("Other");

        var created = await workspace.Client.PostAsJsonAsync("/api/v1/calls", new { to = "+15551230001", scriptId = "s1" });
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var id = (await created.JsonAsync()).GetProperty("data").GetProperty("id").GetGuid();
        var patched = await workspace.Client.PatchAsJsonAsync($"/api/v1/calls/{id}", new { to = "+15551230002", scriptId = "s2", metadata = new { a = 1 } });
        var data = (await patched.JsonAsync()).GetProperty("data");
        Assert.Equal("+15551230002", data.GetProperty("payload").GetProperty("to").GetString());
        Assert.Equal("s2", data.GetProperty("payload").GetProperty("scriptId").GetString());
        Assert.Equal("PENDING", data.GetProperty("status").GetString());
        await (await workspace.Client.PatchAsJsonAsync($"/api/v1/calls/{id}", new { to = "nope" })).AssertValidationProblemAsync("to");

        // Another workspace sees nothing of it.
        await (await other.Client.GetAsync($"/api/v1/calls/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await other.Client.PatchAsJsonAsync($"/api/v1/calls/{id}", new { to = "+15551230003" })).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(0, (await other.Client.GetFromJsonAsync<JsonElement>("/api/v1/metrics")).GetProperty("data").GetProperty("total").GetInt32());
        await (await other.Client.PostAsJsonAsync("/enqueue-call", new { workspaceId = workspace.Id, payload = new { agentId = "a", agentPhoneNumberId = "p", toNumber = "+15551230004" } }))
            .AssertProblemAsync(HttpStatusCode.Forbidden);

        // Idempotency-Key: the same request twice is one call and the same answer.
        var body = new { payload = new { agentId = "a", agentPhoneNumberId = "p", toNumber = "+15551230005" }, priority = 3 };
        var first = await workspace.Client.SendAsync(HttpMethod.Post, "/enqueue-call", body, ("Idempotency-Key", "k-1"));
        var second = await workspace.Client.SendAsync(HttpMethod.Post, "/enqueue-call", body, ("Idempotency-Key", "k-1"));
        Assert.Equal(HttpStatusCode.Accepted, first.StatusCode);
        Assert.Equal((await first.JsonAsync()).GetProperty("id").GetGuid(), (await second.JsonAsync()).GetProperty("id").GetGuid());
        var stats = await workspace.Client.GetFromJsonAsync<JsonElement>("/stats");
        Assert.Equal(2, stats.GetProperty("queueSize").GetInt32());
        Assert.Equal(1, stats.GetProperty("queueByPriority").GetProperty("3").GetInt32());
        Assert.Equal("disabled", stats.GetProperty("polling").GetProperty("mode").GetString());
        Assert.Equal(ApiTestBase.LeaseHolder, stats.GetProperty("dispatcher").GetProperty("instance").GetString());

        var metrics = await workspace.Client.GetFromJsonAsync<JsonElement>("/api/v1/metrics");
        Assert.Equal(2, metrics.GetProperty("data").GetProperty("PENDING").GetInt32());
        var listed = await workspace.Client.GetFromJsonAsync<JsonElement>("/api/v1/calls?status=PENDING&page=1&limit=1");
        Assert.Equal(2, listed.GetProperty("pagination").GetProperty("total").GetInt32());
        Assert.Equal(1, listed.GetProperty("data").GetArrayLength());
    }
}

[CollectionDefinition(Name)]
public sealed class CompatApiCollection : ICollectionFixture<PostgresFixture>
{
    public const string Name = "compat-api";
}
