using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Api;

/// <summary><c>GET /calls</c>, <c>GET/PATCH /calls/{id}</c> and <c>POST /calls/{id}/cancel</c>.</summary>
[Collection(ApiCollections.CallResource)]
public sealed class CallResourceTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task ListsNewestFirstInPages(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await workspace.QueueCallAsync($"+1415555010{i}")).Str("id"));
        }

        var pages = new List<JsonElement>();
        for (var page = 1; page <= 3; page++)
        {
            var response = await workspace.Client.GetAsync($"/calls?page={page}&limit=2");
            await response.AssertStatusAsync(HttpStatusCode.OK);
            pages.Add(await response.JsonAsync());
        }

        foreach (var (page, number) in pages.Select((p, i) => (p, i + 1)))
        {
            var pagination = page.GetProperty("pagination");
            Assert.Equal((number, 2, 5, 3), (pagination.Int("page"), pagination.Int("limit"), pagination.Int("total"), pagination.Int("totalPages")));
        }

        var listed = pages.SelectMany(p => p.GetProperty("data").EnumerateArray()).Select(c => c.Str("id")).ToList();
        Assert.Equal(Enumerable.Reverse(ids), listed);
        Assert.Equal(0, (await (await workspace.Client.GetAsync("/calls?page=4&limit=2")).JsonAsync()).GetProperty("data").GetArrayLength());

        var defaults = (await (await workspace.Client.GetAsync("/calls")).JsonAsync()).GetProperty("pagination");
        Assert.Equal((1, 50, 5), (defaults.Int("page"), defaults.Int("limit"), defaults.Int("total")));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task FiltersByStatusCampaignAndAgent(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        await workspace.AddAgentAsync("agent_b", "phnum_b");
        await workspace.QueueCallAsync("+14155550100");
        var cancelled = await workspace.QueueCallAsync("+14155550101");
        await (await workspace.Client.PostAsync($"/calls/{cancelled.Str("id")}/cancel", null)).AssertStatusAsync(HttpStatusCode.OK);
        var bulk = await workspace.Client.PostAsJsonAsync("/calls/bulk", new
        {
            campaignId = "spring", agentId = "agent_b", agentPhoneNumberId = "phnum_b",
            calls = new[] { new { toNumber = "+14155550102" }, new { toNumber = "+14155550103" } },
        });
        await bulk.AssertStatusAsync(HttpStatusCode.Accepted);
        var c = workspace.Client;

        Assert.Equal(4, await c.CallTotalAsync());
        Assert.Equal(3, await c.CallTotalAsync("?status=queued"));
        Assert.Equal(1, await c.CallTotalAsync("?status=cancelled"));
        Assert.Equal(4, await c.CallTotalAsync("?status=queued,cancelled"));
        Assert.Equal(0, await c.CallTotalAsync("?status=completed"));
        Assert.Equal(2, await c.CallTotalAsync("?campaignId=spring"));
        Assert.Equal(0, await c.CallTotalAsync("?campaignId=autumn"));
        Assert.Equal(2, await c.CallTotalAsync("?agentId=agent_b"));
        Assert.Equal(1, await c.CallTotalAsync("?agentId=agent_test&status=queued"));
        Assert.Equal(1, await c.CallTotalAsync("?campaignId=spring&toNumber=%2B14155550103"));

        var cancelledList = await (await c.GetAsync("/calls?status=cancelled")).JsonAsync();
        Assert.Equal(cancelled.Str("id"), Assert.Single(cancelledList.GetProperty("data").EnumerateArray()).Str("id"));

        await (await c.GetAsync("/calls?status=sleeping")).AssertValidationProblemAsync("status");
        await (await c.GetAsync("/calls?page=0")).AssertValidationProblemAsync("page");
        await (await c.GetAsync("/calls?limit=0")).AssertValidationProblemAsync("limit");
        await (await c.GetAsync("/calls?limit=501")).AssertValidationProblemAsync("limit");
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task FiltersByCreationDate(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        await workspace.QueueCallAsync("+14155550100");
        await workspace.QueueCallAsync("+14155550101");
        var today = DateTime.UtcNow.Date;
        string Day(int offset) => today.AddDays(offset).ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture);
        string Instant(TimeSpan offset) => Uri.EscapeDataString((DateTime.UtcNow + offset).ToString("O", System.Globalization.CultureInfo.InvariantCulture));
        var c = workspace.Client;

        Assert.Equal(2, await c.CallTotalAsync($"?from={Day(-1)}&to={Day(1)}"));
        Assert.Equal(2, await c.CallTotalAsync($"?from={Day(0)}&to={Day(0)}"));
        Assert.Equal(0, await c.CallTotalAsync($"?from={Day(1)}"));
        Assert.Equal(0, await c.CallTotalAsync($"?to={Day(-1)}"));
        Assert.Equal(2, await c.CallTotalAsync($"?from={Instant(TimeSpan.FromMinutes(-5))}"));
        Assert.Equal(0, await c.CallTotalAsync($"?from={Instant(TimeSpan.FromMinutes(5))}"));
        Assert.Equal(0, await c.CallTotalAsync($"?to={Instant(TimeSpan.FromMinutes(-5))}"));
        await (await c.GetAsync("/calls?from=last-tuesday")).AssertValidationProblemAsync("from");
        await (await c.GetAsync("/calls?to=2026-13-45")).AssertValidationProblemAsync("to");
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task ReadingACallShowsItsHistory(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var id = (await workspace.QueueCallAsync("+14155550100")).Str("id");

        var queued = await (await workspace.Client.GetAsync($"/calls/{id}")).JsonAsync();
        var accepted = Assert.Single(queued.GetProperty("events").EnumerateArray());
        Assert.Equal("queued", accepted.Str("to"));
        Assert.Equal("accepted", accepted.Str("reason"));
        Assert.False(accepted.TryGetProperty("from", out var from) && from.ValueKind != JsonValueKind.Null);

        await (await workspace.Client.PostAsync($"/calls/{id}/cancel", null)).AssertStatusAsync(HttpStatusCode.OK);

        var cancelled = await (await workspace.Client.GetAsync($"/calls/{id}")).JsonAsync();
        Assert.Equal("cancelled", cancelled.Str("status"));
        var events = cancelled.GetProperty("events").EnumerateArray().ToList();
        Assert.Equal(2, events.Count);
        Assert.Equal(("queued", "cancelled", "cancelled_by_client"), (events[1].Str("from"), events[1].Str("to"), events[1].Str("reason")));
        Assert.True(events[1].GetProperty("at").GetDateTime() >= events[0].GetProperty("at").GetDateTime());

        // Lists do not carry histories.
        var listed = Assert.Single((await (await workspace.Client.GetAsync("/calls")).JsonAsync()).GetProperty("data").EnumerateArray());
        Assert.False(listed.TryGetProperty("events", out _));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task PatchChangesAQueuedCall(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        await workspace.AddAgentAsync("agent_b", "phnum_b");
        var id = (await workspace.QueueCallAsync("+14155550100", new { variables = new { name = "Ana" } })).Str("id");

        var patched = await workspace.Client.PatchAsJsonAsync($"/calls/{id}", new
        {
            toNumber = "+14155550199",
            agentId = "agent_b",
            agentPhoneNumberId = "phnum_b",
            variables = new { name = "Bea" },
            machineDetectionTimeout = 15,
            enableMachineDetection = false,
            priority = 7,
        });

        await patched.AssertStatusAsync(HttpStatusCode.OK);
        var body = await patched.JsonAsync();
        Assert.Equal("+14155550199", body.Str("toNumber"));
        Assert.Equal("agent_b", body.Str("agentId"));
        Assert.Equal("phnum_b", body.Str("agentPhoneNumberId"));
        Assert.Equal("Bea", body.GetProperty("variables").Str("name"));
        Assert.Equal(15, body.Int("machineDetectionTimeout"));
        Assert.False(body.GetProperty("enableMachineDetection").GetBoolean());
        Assert.Equal(7, body.Int("priority"));
        var stored = await factory.QueryDbAsync(db => db.Calls.SingleAsync());
        Assert.Equal(("+14155550199", "agent_b", 15, CallState.Queued), (stored.ToNumber, stored.AgentId, stored.MachineDetectionTimeout, stored.State));

        // Invalid changes are refused and change nothing.
        await (await workspace.Client.PatchAsJsonAsync($"/calls/{id}", new { toNumber = "12345" })).AssertValidationProblemAsync("toNumber");
        await (await workspace.Client.PatchAsJsonAsync($"/calls/{id}", new { agentId = "agent_ghost" })).AssertValidationProblemAsync("agentId");
        await (await workspace.Client.PatchAsJsonAsync($"/calls/{id}", new { agentPhoneNumberId = "phnum_ghost" })).AssertValidationProblemAsync("agentPhoneNumberId");
        await (await workspace.Client.PatchAsJsonAsync($"/calls/{id}", new { machineDetectionTimeout = 0 })).AssertValidationProblemAsync("machineDetectionTimeout");
        var unchanged = await factory.QueryDbAsync(db => db.Calls.SingleAsync());
        Assert.Equal(("+14155550199", "agent_b", "phnum_b", 15), (unchanged.ToNumber, unchanged.AgentId, unchanged.AgentPhoneNumberId, unchanged.MachineDetectionTimeout));

        await (await workspace.Client.PatchAsJsonAsync($"/calls/{Guid.NewGuid()}", new { toNumber = "+14155550111" })).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task CancelWorksWhileQueuedAndACancelledCallCannotBeChanged(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var id = (await workspace.QueueCallAsync("+14155550100")).Str("id");

        var cancel = await workspace.Client.PostAsync($"/calls/{id}/cancel", null);

        await cancel.AssertStatusAsync(HttpStatusCode.OK);
        var body = await cancel.JsonAsync();
        Assert.Equal("cancelled", body.Str("status"));
        Assert.Equal("cancelled_by_client", body.Str("failureReason"));
        Assert.Equal(JsonValueKind.String, body.GetProperty("endedAt").ValueKind);
        Assert.Equal(CallState.Cancelled, await factory.QueryDbAsync(db => db.Calls.Select(c => c.State).SingleAsync()));

        await (await workspace.Client.PatchAsJsonAsync($"/calls/{id}", new { toNumber = "+14155550111" })).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("+14155550100", await factory.QueryDbAsync(db => db.Calls.Select(c => c.ToNumber).SingleAsync()));

        // Cancelling again changes nothing and records no second transition.
        var again = await workspace.Client.PostAsync($"/calls/{id}/cancel", null);
        Assert.True(again.StatusCode is HttpStatusCode.OK or HttpStatusCode.Conflict, $"got {(int)again.StatusCode}");
        Assert.Equal(1, await factory.QueryDbAsync(db => db.CallEvents.CountAsync(e => e.ToState == CallState.Cancelled)));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task ACallAlreadyDialingCannotBeCancelledOrChanged(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var id = Guid.Parse((await workspace.QueueCallAsync("+14155550100")).Str("id"));
        await factory.QueryDbAsync(db => db.Calls.Where(c => c.Id == id).ExecuteUpdateAsync(s => s.SetProperty(c => c.State, CallState.Dialing)));

        await (await workspace.Client.PostAsync($"/calls/{id}/cancel", null)).AssertProblemAsync(HttpStatusCode.Conflict);
        await (await workspace.Client.PatchAsJsonAsync($"/calls/{id}", new { toNumber = "+14155550111" })).AssertProblemAsync(HttpStatusCode.Conflict);

        var stored = await factory.QueryDbAsync(db => db.Calls.SingleAsync());
        Assert.Equal((CallState.Dialing, "+14155550100"), (stored.State, stored.ToNumber));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task UnknownOrMalformedCallIdsAnswerNotFound(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        await workspace.QueueCallAsync("+14155550100");

        foreach (var id in new[] { Guid.NewGuid().ToString(), "not-a-guid", "123", "%27%20OR%201%3D1--", new string('f', 300) })
        {
            await (await workspace.Client.GetAsync($"/calls/{id}")).AssertProblemAsync(HttpStatusCode.NotFound);
            await (await workspace.Client.PostAsync($"/calls/{id}/cancel", null)).AssertProblemAsync(HttpStatusCode.NotFound);
            await (await workspace.Client.PatchAsJsonAsync($"/calls/{id}", new { priority = 1 })).AssertProblemAsync(HttpStatusCode.NotFound);
        }

        Assert.Equal(CallState.Queued, await factory.QueryDbAsync(db => db.Calls.Select(c => c.State).SingleAsync()));
    }
}
