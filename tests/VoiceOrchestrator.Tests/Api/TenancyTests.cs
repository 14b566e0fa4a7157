using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Api;

/// <summary>Workspaces, their keys, and the wall between one workspace and another (design §9, issue item 4).</summary>
[Collection(ApiCollections.Tenancy)]
public sealed class TenancyTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task AdminCreatesAWorkspaceWhoseKeyIsShownOnceAndStoredHashed(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var admin = factory.CreateAdminClient();

        var created = await admin.PostAsJsonAsync("/admin/workspaces", new { name = "Acme", concurrencyLimit = 10, metadata = new { tier = "gold" } });

        await created.AssertStatusAsync(HttpStatusCode.Created);
        var body = await created.JsonAsync();
        var id = body.Str("id");
        var key = body.Str("apiKey");
        Assert.StartsWith("ws_", id, StringComparison.Ordinal);
        Assert.Equal($"/admin/workspaces/{id}", created.Headers.Location?.OriginalString);
        Assert.StartsWith("vo_", key, StringComparison.Ordinal);
        Assert.True(key.Length >= 40, $"key '{key}' is too short to be 256 random bits");
        Assert.StartsWith(body.Str("apiKeyPrefix"), key, StringComparison.Ordinal);
        Assert.Equal("Acme", body.Str("name"));
        Assert.Equal(10, body.Int("concurrencyLimit"));
        Assert.Equal("gold", body.GetProperty("metadata").Str("tier"));
        Assert.True(body.GetProperty("isActive").GetBoolean());

        var list = await (await admin.GetAsync("/admin/workspaces")).JsonAsync();
        var listed = Assert.Single(list.EnumerateArray(), w => w.Str("id") == id);
        Assert.False(listed.TryGetProperty("apiKey", out _));
        Assert.DoesNotContain(key, list.GetRawText(), StringComparison.Ordinal);

        var one = await admin.GetAsync($"/admin/workspaces/{id}");
        await one.AssertStatusAsync(HttpStatusCode.OK);
        var oneText = await one.Content.ReadAsStringAsync();
        Assert.DoesNotContain("apiKey\"", oneText, StringComparison.Ordinal);
        Assert.DoesNotContain(key, oneText, StringComparison.Ordinal);
        Assert.Equal("Acme", (await one.JsonAsync()).Str("name"));

        var row = await factory.QueryDbAsync(db => db.Workspaces.SingleAsync(w => w.Id == id));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(key))), row.ApiKeyHash);
        foreach (var column in new[] { row.ApiKeyHash, row.ApiKeyPrefix, row.Name, row.Metadata ?? "" })
        {
            Assert.DoesNotContain(key, column, StringComparison.Ordinal);
        }

        using var client = factory.CreateClient(key);
        await (await client.GetAsync("/agents")).AssertStatusAsync(HttpStatusCode.OK);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task RotatingAKeyRevokesTheOldOneAndIssuesAWorkingNewOne(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        using var admin = factory.CreateAdminClient();

        var rotated = await admin.PostAsync($"/admin/workspaces/{workspace.Id}/rotate-key", null);

        await rotated.AssertStatusAsync(HttpStatusCode.OK);
        var body = await rotated.JsonAsync();
        var newKey = body.Str("apiKey");
        Assert.NotEqual(workspace.ApiKey, newKey);
        Assert.Equal(workspace.Id, body.Str("id"));
        Assert.Equal(JsonValueKind.String, body.GetProperty("keyRotatedAt").ValueKind);

        var withOldKey = await workspace.Client.GetAsync("/agents");
        await withOldKey.AssertProblemAsync(HttpStatusCode.Unauthorized);

        using var withNewKey = factory.CreateClient(newKey);
        var agents = await withNewKey.GetAsync("/agents");
        await agents.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(workspace.AgentId, Assert.Single((await agents.JsonAsync()).EnumerateArray()).Str("agentId"));

        var row = await factory.QueryDbAsync(db => db.Workspaces.SingleAsync(w => w.Id == workspace.Id));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(newKey))), row.ApiKeyHash);

        await (await admin.PostAsync("/admin/workspaces/ws_missing/rotate-key", null)).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task AdminUpdatesAWorkspaceAndADisabledWorkspaceKeyIsRefused(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        using var admin = factory.CreateAdminClient();

        var patched = await admin.PatchAsJsonAsync($"/admin/workspaces/{workspace.Id}", new { name = "Acme Corp", concurrencyLimit = 25, metadata = new { region = "eu" } });

        await patched.AssertStatusAsync(HttpStatusCode.OK);
        var body = await patched.JsonAsync();
        Assert.Equal("Acme Corp", body.Str("name"));
        Assert.Equal(25, body.Int("concurrencyLimit"));
        Assert.Equal("eu", body.GetProperty("metadata").Str("region"));
        Assert.False(body.TryGetProperty("apiKey", out _));
        var reread = await (await admin.GetAsync($"/admin/workspaces/{workspace.Id}")).JsonAsync();
        Assert.Equal("Acme Corp", reread.Str("name"));
        Assert.Equal(25, reread.Int("concurrencyLimit"));

        await (await admin.PatchAsJsonAsync($"/admin/workspaces/{workspace.Id}", new { concurrencyLimit = 0 }))
            .AssertValidationProblemAsync("concurrencyLimit");
        await (await admin.PatchAsJsonAsync($"/admin/workspaces/{workspace.Id}", new { name = "   " }))
            .AssertValidationProblemAsync("name");
        await (await admin.PatchAsJsonAsync("/admin/workspaces/ws_missing", new { name = "X" }))
            .AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(25, (await (await admin.GetAsync($"/admin/workspaces/{workspace.Id}")).JsonAsync()).Int("concurrencyLimit"));

        await (await admin.PatchAsJsonAsync($"/admin/workspaces/{workspace.Id}", new { isActive = false })).AssertStatusAsync(HttpStatusCode.OK);
        await (await workspace.Client.GetAsync("/calls")).AssertProblemAsync(HttpStatusCode.Unauthorized);

        await (await admin.PatchAsJsonAsync($"/admin/workspaces/{workspace.Id}", new { isActive = true })).AssertStatusAsync(HttpStatusCode.OK);
        await (await workspace.Client.GetAsync("/calls")).AssertStatusAsync(HttpStatusCode.OK);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task CreatingAWorkspaceChecksItsFields(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var admin = factory.CreateAdminClient();

        await (await admin.PostAsJsonAsync("/admin/workspaces", new { })).AssertValidationProblemAsync("name");
        await (await admin.PostAsJsonAsync("/admin/workspaces", new { name = new string('n', 201) })).AssertValidationProblemAsync("name");
        await (await admin.PostAsJsonAsync("/admin/workspaces", new { name = "A", concurrencyLimit = 100_001 })).AssertValidationProblemAsync("concurrencyLimit");
        await (await admin.PostAsJsonAsync("/admin/workspaces", new { name = "A", id = "has space" })).AssertValidationProblemAsync("id");
        await (await admin.PostAsJsonAsync("/admin/workspaces", new { name = "A", metadata = new[] { 1 } })).AssertValidationProblemAsync("metadata");
        Assert.Equal(0, (await factory.CountRowsAsync()).Workspaces);

        var first = await admin.PostAsJsonAsync("/admin/workspaces", new { name = "A", id = "ws_acme" });
        await first.AssertStatusAsync(HttpStatusCode.Created);
        Assert.Equal("ws_acme", (await first.JsonAsync()).Str("id"));
        await (await admin.PostAsJsonAsync("/admin/workspaces", new { name = "B", id = "ws_acme" })).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(1, (await factory.CountRowsAsync()).Workspaces);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task AWorkspaceKeyManagesItsOwnPhoneNumbersAndAgents(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var client = workspace.Client;

        var sip = await client.PostAsJsonAsync("/phone-numbers", new { phoneNumberId = "phnum_sip", phoneNumber = "+442071838750", provider = "sip_trunk", label = "London" });
        await sip.AssertStatusAsync(HttpStatusCode.Created);
        Assert.Equal("/phone-numbers/phnum_sip", sip.Headers.Location?.OriginalString);
        var sipBody = await sip.JsonAsync();
        Assert.Equal("sip_trunk", sipBody.Str("provider"));
        Assert.Equal("+442071838750", sipBody.Str("phoneNumber"));
        var defaulted = await client.PostAsJsonAsync("/phone-numbers", new { phoneNumberId = "phnum_default", number = "+14155550100" });
        await defaulted.AssertStatusAsync(HttpStatusCode.Created);
        Assert.Equal("twilio", (await defaulted.JsonAsync()).Str("provider"));

        await (await client.PostAsJsonAsync("/phone-numbers", new { phoneNumberId = "pn_1", phoneNumber = "+14155550101" })).AssertValidationProblemAsync("phoneNumberId");
        await (await client.PostAsJsonAsync("/phone-numbers", new { phoneNumberId = "phnum_x", phoneNumber = "4155550101" })).AssertValidationProblemAsync("phoneNumber");
        await (await client.PostAsJsonAsync("/phone-numbers", new { phoneNumberId = "phnum_x", phoneNumber = "+14155550101", provider = "pots" })).AssertValidationProblemAsync("provider");
        await (await client.PostAsJsonAsync("/phone-numbers", new { phoneNumberId = "phnum_sip", phoneNumber = "+14155550101" })).AssertProblemAsync(HttpStatusCode.Conflict);

        var numbers = await (await client.GetAsync("/phone-numbers")).JsonAsync();
        Assert.Equal(["phnum_test", "phnum_sip", "phnum_default"], numbers.EnumerateArray().Select(n => n.Str("phoneNumberId")));
        var one = await client.GetAsync("/phone-numbers/phnum_sip");
        Assert.Equal("London", (await one.JsonAsync()).Str("label"));

        var agent = await client.PostAsJsonAsync("/agents", new { agentId = "agent_two", name = "Second", phoneNumberIds = new[] { "phnum_sip", "phnum_default" } });
        await agent.AssertStatusAsync(HttpStatusCode.Created);
        Assert.Equal(["phnum_default", "phnum_sip"], (await agent.JsonAsync()).GetProperty("phoneNumberIds").EnumerateArray().Select(p => p.GetString()).Order(StringComparer.Ordinal));
        await (await client.PostAsJsonAsync("/agents", new { agentId = "agent_two" })).AssertProblemAsync(HttpStatusCode.Conflict);
        await (await client.PostAsJsonAsync("/agents", new { agentId = "agent_three", phoneNumberIds = new[] { "phnum_sip", "phnum_nope" } }))
            .AssertValidationProblemAsync("phoneNumberIds[1]");
        await (await client.PostAsJsonAsync("/agents", new { name = "no id" })).AssertValidationProblemAsync("agentId");

        var agents = await (await client.GetAsync("/agents")).JsonAsync();
        Assert.Equal(["agent_test", "agent_two"], agents.EnumerateArray().Select(a => a.Str("agentId")));
        var read = await (await client.GetAsync("/agents/agent_two")).JsonAsync();
        Assert.Equal("Second", read.Str("name"));
        Assert.Equal(2, read.GetProperty("phoneNumberIds").GetArrayLength());

        // An agent or number with a queued call cannot be removed; once the call is cancelled it can.
        var call = await workspace.QueueCallAsync("+14155550199", new { agentId = "agent_two", agentPhoneNumberId = "phnum_sip" });
        await (await client.DeleteAsync("/agents/agent_two")).AssertProblemAsync(HttpStatusCode.Conflict);
        await (await client.DeleteAsync("/phone-numbers/phnum_sip")).AssertProblemAsync(HttpStatusCode.Conflict);
        await (await client.PostAsync($"/calls/{call.Str("id")}/cancel", null)).AssertStatusAsync(HttpStatusCode.OK);
        await (await client.DeleteAsync("/agents/agent_two")).AssertStatusAsync(HttpStatusCode.NoContent);
        await (await client.GetAsync("/agents/agent_two")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.DeleteAsync("/phone-numbers/phnum_sip")).AssertStatusAsync(HttpStatusCode.NoContent);
        await (await client.GetAsync("/phone-numbers/phnum_sip")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await client.DeleteAsync("/agents/agent_two")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task AnotherWorkspacesResourcesAnswerNotFound(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var owner = await factory.CreateWorkspaceAsync("Owner");
        using var other = await factory.CreateWorkspaceAsync("Other", agentId: "agent_other", phoneNumberId: "phnum_other");
        var call = await owner.QueueCallAsync("+14155550100");
        var callId = call.Str("id");
        await (await owner.Client.PostAsJsonAsync("/campaigns", new { id = "spring" })).AssertStatusAsync(HttpStatusCode.Created);
        var c = other.Client;

        await (await c.GetAsync($"/calls/{callId}")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await c.PatchAsJsonAsync($"/calls/{callId}", new { toNumber = "+14155550111" })).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await c.PostAsync($"/calls/{callId}/cancel", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await c.GetAsync("/agents/agent_test")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await c.DeleteAsync("/agents/agent_test")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await c.GetAsync("/phone-numbers/phnum_test")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await c.DeleteAsync("/phone-numbers/phnum_test")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await c.GetAsync("/campaigns/spring")).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await c.PostAsync("/campaigns/spring/pause", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await c.PostAsync("/campaigns/spring/resume", null)).AssertProblemAsync(HttpStatusCode.NotFound);
        await (await c.PostAsync("/campaigns/spring/cancel", null)).AssertProblemAsync(HttpStatusCode.NotFound);

        // Lists show only the caller's own resources.
        Assert.Equal(0, await c.CallTotalAsync());
        Assert.Equal(["agent_other"], (await (await c.GetAsync("/agents")).JsonAsync()).EnumerateArray().Select(a => a.Str("agentId")));
        Assert.Equal(["phnum_other"], (await (await c.GetAsync("/phone-numbers")).JsonAsync()).EnumerateArray().Select(a => a.Str("phoneNumberId")));
        Assert.Equal(0, (await (await c.GetAsync("/campaigns")).JsonAsync()).GetArrayLength());

        // Another workspace's agent and number cannot be dialed from.
        var borrowed = await c.PostAsJsonAsync("/calls/priority", owner.PriorityCall("+14155550100"));
        await borrowed.AssertValidationProblemAsync("agentId", "agentPhoneNumberId");

        // The owner's things are untouched.
        var after = await (await owner.Client.GetAsync($"/calls/{callId}")).JsonAsync();
        Assert.Equal("queued", after.Str("status"));
        Assert.Equal("+14155550100", after.Str("toNumber"));
        Assert.Equal("active", (await (await owner.Client.GetAsync("/campaigns/spring")).JsonAsync()).Str("status"));
        await (await owner.Client.GetAsync("/agents/agent_test")).AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(1, (await factory.CountRowsAsync()).Calls);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task AWorkspaceIdThatIsNotTheKeysWorkspaceIsForbidden(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var owner = await factory.CreateWorkspaceAsync("Owner");
        using var intruder = await factory.CreateWorkspaceAsync("Intruder");
        var ownerCall = (await owner.QueueCallAsync("+14155550100")).Str("id");
        var before = await factory.CountRowsAsync();
        var c = intruder.Client;
        var target = owner.Id;

        await (await c.PostAsJsonAsync("/calls/priority", ApiTestKit.Merge(intruder.PriorityCall("+14155550100"), new { workspaceId = target })))
            .AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await c.PostAsJsonAsync("/calls/bulk", new { workspaceId = target, intruder.AgentId, agentPhoneNumberId = intruder.PhoneNumberId, calls = new[] { new { toNumber = "+14155550100" } } }))
            .AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await c.PostAsJsonAsync("/agents", new { workspaceId = target, agentId = "agent_x" })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await c.PostAsJsonAsync("/phone-numbers", new { workspaceId = target, phoneNumberId = "phnum_x", phoneNumber = "+14155550100" })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await c.PostAsJsonAsync("/campaigns", new { workspaceId = target, id = "c1" })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await c.GetAsync($"/calls?workspaceId={target}")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await c.GetAsync($"/calls/{ownerCall}?workspaceId={target}")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await c.PatchAsJsonAsync($"/calls/{ownerCall}", new { workspaceId = target, toNumber = "+14155550111" })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await c.PostAsync($"/calls/{ownerCall}/cancel?workspaceId={target}", null)).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await c.GetAsync($"/agents?workspaceId={target}")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await c.GetAsync($"/phone-numbers?workspaceId={target}")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await c.GetAsync($"/campaigns?workspaceId={target}")).AssertProblemAsync(HttpStatusCode.Forbidden);

        Assert.Equal(before, await factory.CountRowsAsync());
        var untouched = await factory.QueryDbAsync(db => db.Calls.SingleAsync());
        Assert.Equal((CallState.Queued, "+14155550100"), (untouched.State, untouched.ToNumber));

        // Naming one's own workspace is fine.
        await (await c.GetAsync($"/calls?workspaceId={intruder.Id}")).AssertStatusAsync(HttpStatusCode.OK);
        await (await c.PostAsJsonAsync("/calls/priority", ApiTestKit.Merge(intruder.PriorityCall("+14155550100"), new { workspaceId = intruder.Id })))
            .AssertStatusAsync(HttpStatusCode.Accepted);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task MissingOrWrongCredentialsAnswerUnauthorizedProblems(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var before = await factory.CountRowsAsync();

        using var anonymous = factory.CreateClient();
        using var wrongKey = factory.CreateClient("vo_not-a-real-key");
        using var basic = factory.CreateClient();
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(workspace.ApiKey)));
        using var tooLong = factory.CreateClient(new string('k', 600));

        foreach (var client in new[] { anonymous, wrongKey, basic, tooLong })
        {
            foreach (var path in new[] { "/calls", "/agents", "/phone-numbers", "/campaigns", "/admin/workspaces" })
            {
                var response = await client.GetAsync(path);
                await response.AssertProblemAsync(HttpStatusCode.Unauthorized);
                Assert.Contains(response.Headers.WwwAuthenticate, h => h.Scheme == "Bearer");
            }

            await (await client.PostAsJsonAsync("/calls/priority", workspace.PriorityCall("+14155550100"))).AssertProblemAsync(HttpStatusCode.Unauthorized);
            await (await client.PostAsJsonAsync("/admin/workspaces", new { name = "Sneaky" })).AssertProblemAsync(HttpStatusCode.Unauthorized);
        }

        Assert.Equal(before, await factory.CountRowsAsync());
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task TheAdminTokenActsOnTheWorkspaceItNames(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        using var admin = factory.CreateAdminClient();

        var queued = await admin.PostAsJsonAsync("/calls/priority", ApiTestKit.Merge(workspace.PriorityCall("+14155550100"), new { workspaceId = workspace.Id }));
        await queued.AssertStatusAsync(HttpStatusCode.Accepted);
        var call = await queued.JsonAsync();
        Assert.Equal(workspace.Id, call.Str("workspaceId"));

        Assert.Equal(1, await admin.CallTotalAsync($"?workspaceId={workspace.Id}"));
        Assert.Equal(1, await workspace.Client.CallTotalAsync());
        await (await admin.GetAsync($"/calls/{call.Str("id")}?workspaceId={workspace.Id}")).AssertStatusAsync(HttpStatusCode.OK);

        var agent = await admin.PostAsJsonAsync("/agents", new { workspaceId = workspace.Id, agentId = "agent_by_admin" });
        await agent.AssertStatusAsync(HttpStatusCode.Created);
        await (await workspace.Client.GetAsync("/agents/agent_by_admin")).AssertStatusAsync(HttpStatusCode.OK);

        // The admin token must say which workspace, and it must exist.
        await (await admin.GetAsync("/calls")).AssertValidationProblemAsync("workspaceId");
        await (await admin.PostAsJsonAsync("/calls/priority", workspace.PriorityCall("+14155550101"))).AssertValidationProblemAsync("workspaceId");
        await (await admin.GetAsync("/calls?workspaceId=ws_missing")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(1, (await factory.CountRowsAsync()).Calls);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task WorkspaceKeysCannotUseAdminRoutes(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var c = workspace.Client;

        await (await c.GetAsync("/admin/workspaces")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await c.GetAsync($"/admin/workspaces/{workspace.Id}")).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await c.PostAsJsonAsync("/admin/workspaces", new { name = "Mine now" })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await c.PatchAsJsonAsync($"/admin/workspaces/{workspace.Id}", new { concurrencyLimit = 100_000 })).AssertProblemAsync(HttpStatusCode.Forbidden);
        await (await c.PostAsync($"/admin/workspaces/{workspace.Id}/rotate-key", null)).AssertProblemAsync(HttpStatusCode.Forbidden);

        var row = await factory.QueryDbAsync(db => db.Workspaces.SingleAsync());
        Assert.Null(row.ConcurrencyLimit);
        Assert.Null(row.KeyRotatedAt);
        await (await c.GetAsync("/agents")).AssertStatusAsync(HttpStatusCode.OK);
    }
}
