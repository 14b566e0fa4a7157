using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Api;

/// <summary>Campaigns: created, listed with their call counts, paused, resumed and cancelled as one.</summary>
[Collection(ApiCollections.Campaigns)]
public sealed class CampaignsTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task CreatesACampaignWhoseSettingsBulkCallsInherit(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();

        var created = await workspace.Client.PostAsJsonAsync("/campaigns", new
        {
            id = "spring", name = "Spring sale", concurrency = 5, gateMode = "twilio_amd_bridge", machineDetectionTimeout = 10, metadata = new { owner = "sales" },
        });

        await created.AssertStatusAsync(HttpStatusCode.Created);
        Assert.Equal("/campaigns/spring", created.Headers.Location?.OriginalString);
        var campaign = await created.JsonAsync();
        Assert.Equal(("spring", "Spring sale", "active", 5, "twilio_amd_bridge", 10), (
            campaign.Str("id"), campaign.Str("name"), campaign.Str("status"), campaign.Int("concurrency"), campaign.Str("gateMode"), campaign.Int("machineDetectionTimeout")));
        Assert.Equal("sales", campaign.GetProperty("metadata").Str("owner"));
        Assert.Empty(campaign.GetProperty("calls").EnumerateObject());

        var generated = await workspace.Client.PostAsJsonAsync("/campaigns", new { });
        await generated.AssertStatusAsync(HttpStatusCode.Created);
        var defaults = await generated.JsonAsync();
        Assert.StartsWith("cmp_", defaults.Str("id"), StringComparison.Ordinal);
        Assert.Equal((50, 6, "direct"), (defaults.Int("concurrency"), defaults.Int("machineDetectionTimeout"), defaults.Str("gateMode")));

        // A bulk request naming the campaign, without an x-gate-mode header, uses the campaign's gate mode.
        await (await workspace.Client.PostAsJsonAsync("/calls/bulk", new
        {
            campaignId = "spring", workspace.AgentId, agentPhoneNumberId = workspace.PhoneNumberId, calls = new[] { new { toNumber = "+14155550100" } },
        })).AssertStatusAsync(HttpStatusCode.Accepted);
        var call = await factory.QueryDbAsync(db => db.Calls.SingleAsync());
        Assert.Equal(("spring", GateMode.TwilioAmdBridge), (call.CampaignId, call.GateMode));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task RefusesInvalidOrDuplicateCampaigns(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var c = workspace.Client;

        await (await c.PostAsJsonAsync("/campaigns", new { concurrency = 101 })).AssertValidationProblemAsync("concurrency");
        await (await c.PostAsJsonAsync("/campaigns", new { concurrency = 0 })).AssertValidationProblemAsync("concurrency");
        await (await c.PostAsJsonAsync("/campaigns", new { machineDetectionTimeout = 31 })).AssertValidationProblemAsync("machineDetectionTimeout");
        await (await c.PostAsJsonAsync("/campaigns", new { gateMode = "carrier_pigeon" })).AssertValidationProblemAsync("gateMode");
        await (await c.PostAsJsonAsync("/campaigns", new { id = "no spaces!" })).AssertValidationProblemAsync("id");
        await (await c.PostAsJsonAsync("/campaigns", new { metadata = "flat" })).AssertValidationProblemAsync("metadata");
        Assert.Equal(0, (await factory.CountRowsAsync()).Campaigns);

        await (await c.PostAsJsonAsync("/campaigns", new { id = "spring" })).AssertStatusAsync(HttpStatusCode.Created);
        await (await c.PostAsJsonAsync("/campaigns", new { id = "spring" })).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(1, (await factory.CountRowsAsync()).Campaigns);

        foreach (var path in new[] { "/campaigns/ghost", "/campaigns/ghost/pause", "/campaigns/ghost/resume", "/campaigns/ghost/cancel" })
        {
            var response = path.EndsWith("ghost", StringComparison.Ordinal) ? await c.GetAsync(path) : await c.PostAsync(path, null);
            await response.AssertProblemAsync(HttpStatusCode.NotFound);
        }
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task ListsCampaignsWithTheirCallCountsByStatus(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        await (await workspace.Client.PostAsJsonAsync("/campaigns", new { id = "spring" })).AssertStatusAsync(HttpStatusCode.Created);
        await (await workspace.Client.PostAsJsonAsync("/campaigns", new { id = "empty" })).AssertStatusAsync(HttpStatusCode.Created);
        await QueueBulkAsync(workspace, "spring", 3);
        var one = await workspace.Client.GetAsync("/calls?campaignId=spring&limit=1");
        var firstId = (await one.JsonAsync()).GetProperty("data")[0].Str("id");
        await (await workspace.Client.PostAsync($"/calls/{firstId}/cancel", null)).AssertStatusAsync(HttpStatusCode.OK);
        await workspace.QueueCallAsync("+14155550199");

        var list = await workspace.Client.GetAsync("/campaigns");

        await list.AssertStatusAsync(HttpStatusCode.OK);
        var campaigns = (await list.JsonAsync()).EnumerateArray().ToDictionary(c => c.Str("id"));
        Assert.Equal(["empty", "spring"], campaigns.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(new Dictionary<string, int> { ["queued"] = 2, ["cancelled"] = 1 }, Counts(campaigns["spring"]));
        Assert.Empty(Counts(campaigns["empty"]));
        Assert.Equal(Counts(campaigns["spring"]), Counts(await (await workspace.Client.GetAsync("/campaigns/spring")).JsonAsync()));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task PausesAndResumesButNotOnceCancelled(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        var c = workspace.Client;
        await (await c.PostAsJsonAsync("/campaigns", new { id = "spring" })).AssertStatusAsync(HttpStatusCode.Created);

        Assert.Equal("paused", await StatusAfterAsync(c.PostAsync("/campaigns/spring/pause", null)));
        Assert.Equal("paused", await StatusAfterAsync(c.PostAsync("/campaigns/spring/pause", null)));
        Assert.Equal("paused", (await (await c.GetAsync("/campaigns/spring")).JsonAsync()).Str("status"));

        // A paused campaign still takes calls; they wait until it resumes.
        await QueueBulkAsync(workspace, "spring", 1);

        Assert.Equal("active", await StatusAfterAsync(c.PostAsync("/campaigns/spring/resume", null)));
        Assert.Equal("active", await StatusAfterAsync(c.PostAsync("/campaigns/spring/resume", null)));
        Assert.Equal("cancelled", await StatusAfterAsync(c.PostAsync("/campaigns/spring/cancel", null)));

        await (await c.PostAsync("/campaigns/spring/pause", null)).AssertProblemAsync(HttpStatusCode.Conflict);
        await (await c.PostAsync("/campaigns/spring/resume", null)).AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal("cancelled", (await (await c.GetAsync("/campaigns/spring")).JsonAsync()).Str("status"));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task CancellingACampaignCancelsEachOfItsQueuedCallsWithAnEvent(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        await (await workspace.Client.PostAsJsonAsync("/campaigns", new { id = "spring" })).AssertStatusAsync(HttpStatusCode.Created);
        await QueueBulkAsync(workspace, "spring", 3);
        await workspace.QueueCallAsync("+14155550150", new { campaignId = "spring" });
        await QueueBulkAsync(workspace, "autumn", 2);
        var standalone = await workspace.QueueCallAsync("+14155550199");

        var cancelled = await workspace.Client.PostAsync("/campaigns/spring/cancel", null);

        await cancelled.AssertStatusAsync(HttpStatusCode.OK);
        var campaign = await cancelled.JsonAsync();
        Assert.Equal("cancelled", campaign.Str("status"));
        Assert.Equal(new Dictionary<string, int> { ["cancelled"] = 4 }, Counts(campaign));

        var spring = await (await workspace.Client.GetAsync("/calls?campaignId=spring")).JsonAsync();
        Assert.Equal(4, spring.GetProperty("pagination").Int("total"));
        foreach (var listed in spring.GetProperty("data").EnumerateArray())
        {
            var call = await (await workspace.Client.GetAsync($"/calls/{listed.Str("id")}")).JsonAsync();
            Assert.Equal("cancelled", call.Str("status"));
            Assert.Equal("campaign_cancelled", call.Str("failureReason"));
            var events = call.GetProperty("events").EnumerateArray().ToList();
            Assert.Equal(2, events.Count);
            Assert.Equal(("queued", "cancelled", "campaign_cancelled"), (events[1].Str("from"), events[1].Str("to"), events[1].Str("reason")));
        }

        Assert.Equal(2, await workspace.Client.CallTotalAsync("?campaignId=autumn&status=queued"));
        Assert.Equal("queued", (await (await workspace.Client.GetAsync($"/calls/{standalone.Str("id")}")).JsonAsync()).Str("status"));
        Assert.Equal(4, await factory.QueryDbAsync(db => db.CallEvents.CountAsync(e => e.ToState == CallState.Cancelled)));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task ACancelledCampaignTakesNoNewBulkCalls(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        await (await workspace.Client.PostAsJsonAsync("/campaigns", new { id = "spring" })).AssertStatusAsync(HttpStatusCode.Created);
        await (await workspace.Client.PostAsync("/campaigns/spring/cancel", null)).AssertStatusAsync(HttpStatusCode.OK);

        var bulk = await workspace.Client.PostAsJsonAsync("/calls/bulk", new
        {
            campaignId = "spring", workspace.AgentId, agentPhoneNumberId = workspace.PhoneNumberId, calls = new[] { new { toNumber = "+14155550100" } },
        });

        await bulk.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(0, (await factory.CountRowsAsync()).Calls);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task ACancelledCampaignTakesNoNewPriorityCalls(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();
        await (await workspace.Client.PostAsJsonAsync("/campaigns", new { id = "spring" })).AssertStatusAsync(HttpStatusCode.Created);
        await (await workspace.Client.PostAsync("/campaigns/spring/cancel", null)).AssertStatusAsync(HttpStatusCode.OK);

        var priority = await workspace.Client.PostAsJsonAsync("/calls/priority", ApiTestKit.Merge(workspace.PriorityCall("+14155550100"), new { campaignId = "spring" }));

        // As for bulk: the dispatcher skips calls of a campaign that is not active, so such a call would stay queued forever.
        await priority.AssertProblemAsync(HttpStatusCode.Conflict);
        Assert.Equal(0, (await factory.CountRowsAsync()).Calls);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task ABulkRequestNamingANewCampaignCreatesIt(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();

        var bulk = await workspace.Client.PostAsJsonAsync("/calls/bulk", new
        {
            campaignId = "autumn", workspace.AgentId, agentPhoneNumberId = workspace.PhoneNumberId, concurrency = 7, machineDetectionTimeout = 9,
            calls = new[] { new { toNumber = "+14155550100" }, new { toNumber = "+14155550101" } },
        });

        await bulk.AssertStatusAsync(HttpStatusCode.Accepted);
        Assert.Equal("autumn", (await bulk.JsonAsync()).Str("campaignId"));
        var response = await workspace.Client.GetAsync("/campaigns/autumn");
        await response.AssertStatusAsync(HttpStatusCode.OK);
        var campaign = await response.JsonAsync();
        Assert.Equal(("active", 7, 9, "direct"), (campaign.Str("status"), campaign.Int("concurrency"), campaign.Int("machineDetectionTimeout"), campaign.Str("gateMode")));
        Assert.Equal(new Dictionary<string, int> { ["queued"] = 2 }, Counts(campaign));
        Assert.True(campaign.GetProperty("enableMachineDetection").GetBoolean());

        // A refused bulk request does not leave a campaign behind.
        var refused = await workspace.Client.PostAsJsonAsync("/calls/bulk", new
        {
            campaignId = "winter", workspace.AgentId, agentPhoneNumberId = workspace.PhoneNumberId, calls = new[] { new { toNumber = "bad" } },
        });
        await refused.AssertValidationProblemAsync("calls[0].toNumber");
        await (await workspace.Client.GetAsync("/campaigns/winter")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task ACampaignMadeByABulkRequestTakesItsMachineDetectionSetting(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind);
        using var workspace = await factory.CreateWorkspaceAsync();

        var bulk = await workspace.Client.PostAsJsonAsync("/calls/bulk", new
        {
            campaignId = "no-amd", workspace.AgentId, agentPhoneNumberId = workspace.PhoneNumberId, enableMachineDetection = false,
            calls = new[] { new { toNumber = "+14155550100" } },
        });

        await bulk.AssertStatusAsync(HttpStatusCode.Accepted);
        Assert.False(await factory.QueryDbAsync(db => db.Calls.Select(c => c.EnableMachineDetection).SingleAsync()));
        var campaign = await (await workspace.Client.GetAsync("/campaigns/no-amd")).JsonAsync();
        Assert.False(campaign.GetProperty("enableMachineDetection").GetBoolean(), $"the campaign says AMD is on while its calls have it off: {campaign}");
    }

    private static async Task QueueBulkAsync(TestWorkspace workspace, string campaignId, int count)
    {
        var response = await workspace.Client.PostAsJsonAsync("/calls/bulk", new
        {
            campaignId,
            workspace.AgentId,
            agentPhoneNumberId = workspace.PhoneNumberId,
            calls = Enumerable.Range(0, count).Select(i => new { toNumber = $"+1415555{campaignId.Length:00}{i:00}" }).ToArray(),
        });
        await response.AssertStatusAsync(HttpStatusCode.Accepted);
        Assert.Equal(count, (await response.JsonAsync()).Int("accepted"));
    }

    private static async Task<string> StatusAfterAsync(Task<HttpResponseMessage> request)
    {
        var response = await request;
        await response.AssertStatusAsync(HttpStatusCode.OK);
        return (await response.JsonAsync()).Str("status");
    }

    private static Dictionary<string, int> Counts(JsonElement campaign) =>
        campaign.GetProperty("calls").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());
}
