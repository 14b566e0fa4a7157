using System.Diagnostics;
using System.Net;
using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Api;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Conversations;

/// <summary>GET /conversations: the newest five live, the rest stored, merged; the database alone when the API is slow or down.</summary>
[Collection(ConversationKit.Collection)]
public sealed class HybridListingTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    /// <summary>
    /// 30 conversations are synced, then 3 more happen, interleaved in time with the newest stored
    /// ones (all within the newest five). Every page together is the provider's own order, each
    /// conversation once; the live ones the database lacked are stored in the background.
    /// </summary>
    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task WithTheApiUpTheNewestComeLiveTheRestStoredMergedWithoutDuplicates(DatabaseKind kind)
    {
        await using var kit = await ConversationKit.StartAsync(StartApiAsync, kind);
        kit.Seed(30);
        await (await kit.SyncAsync(1000)).AssertStatusAsync(HttpStatusCode.OK);
        var unsynced = kit.Seed(3, "+15550100009");
        var expected = (await kit.ProviderOrderAsync()).Select(c => c.Id).ToList();
        Assert.Equal(33, expected.Count);

        var first = await kit.ListAsync("page_size=20");
        Assert.Equal(("hybrid", "ok"), (first.Str("source"), first.Str("api_status")));
        var pagination = first.GetProperty("pagination");
        Assert.Equal((1, 20, 33, 2), (pagination.Int("page"), pagination.Int("page_size"), pagination.Int("total"), pagination.Int("total_pages")));
        var stats = first.GetProperty("stats");
        Assert.Equal((20, 5, 15), (stats.Int("total_conversations"), stats.Int("from_api"), stats.Int("from_database")));
        Assert.True(stats.GetProperty("total_duration_minutes").GetDouble() > 0);
        var firstIds = ConversationKit.Ids(first);
        Assert.Equal(expected[..20], firstIds);
        // The live five are the API's newest; within one second of each other the API's own order may differ from the listing's id tie-break.
        var sources = first.GetProperty("data").EnumerateArray().ToDictionary(c => c.Str("conversation_id"), c => c.Str("source"));
        Assert.Equal(5, sources.Values.Count(s => s == "api"));
        Assert.All(unsynced, id => Assert.Equal("api", sources[id]));
        Assert.All(firstIds.Skip(6), id => Assert.Equal("database", sources[id]));

        var second = await kit.ListAsync("page=2&page_size=20");
        var secondIds = ConversationKit.Ids(second);
        Assert.Equal(expected[20..], secondIds);
        Assert.Equal(33, firstIds.Concat(secondIds).Distinct().Count());

        // The live conversations the database lacked were stored after the answer, in full.
        Assert.Equal(33, await kit.WaitStoredAsync(33, TimeSpan.FromSeconds(10)));
        var detail = await kit.Client.GetAsync($"conversations/{unsynced[0]}");
        await detail.AssertStatusAsync(HttpStatusCode.OK);
        var body = await detail.JsonAsync();
        Assert.Equal("+15550100009", body.GetProperty("data").Str("callee_number"));
        Assert.True(body.GetProperty("transcript").GetArrayLength() > 0);

        // Once stored, the same listing has the same order and totals (no conversation twice).
        var again = await kit.ListAsync("page_size=20");
        Assert.Equal(expected[..20], ConversationKit.Ids(again));
        Assert.Equal(33, again.GetProperty("pagination").Int("total"));

        var alias = await kit.Client.GetAsync("api/consultations/elevenlabs?page_size=20");
        await alias.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(expected[..20], ConversationKit.Ids(await alias.JsonAsync()));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task WithTheApiSlowTheAnswerComesFromTheDatabaseAloneWithinTheTimeout(DatabaseKind kind)
    {
        await using var kit = await ConversationKit.StartAsync(StartApiAsync, kind, settings: ("CONVERSATIONS_API_TIMEOUT_MS", "300"));
        kit.Seed(10);
        await (await kit.SyncAsync(1000)).AssertStatusAsync(HttpStatusCode.OK);
        var stored = (await kit.ProviderOrderAsync()).Select(c => c.Id).ToList();
        kit.Seed(3);
        kit.Emulator.State.Configure(o => o with { ResponseLatencyMs = 3000 });

        var clock = Stopwatch.StartNew();
        var listing = await kit.ListAsync("page_size=50");
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), $"the slow API held the answer for {clock.Elapsed}");
        Assert.Equal(("database", "timeout"), (listing.Str("source"), listing.Str("api_status")));
        Assert.Contains("300 ms", listing.Str("message"));
        Assert.Equal(stored, ConversationKit.Ids(listing));
        Assert.Equal(10, listing.GetProperty("pagination").Int("total"));
        Assert.Equal((0, 10), (listing.GetProperty("stats").Int("from_api"), listing.GetProperty("stats").Int("from_database")));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task WithTheApiDownTheAnswerComesFromTheDatabaseAloneAndSaysSo(DatabaseKind kind)
    {
        await using var kit = await ConversationKit.StartAsync(StartApiAsync, kind);
        kit.Seed(12);
        await (await kit.SyncAsync(1000)).AssertStatusAsync(HttpStatusCode.OK);
        var stored = (await kit.ProviderOrderAsync()).Select(c => c.Id).ToList();
        await kit.Emulator.StopAsync();

        var listing = await kit.ListAsync("page_size=5&page=2");

        Assert.Equal(("database", "unavailable"), (listing.Str("source"), listing.Str("api_status")));
        Assert.False(string.IsNullOrEmpty(listing.Str("message")));
        Assert.Equal(stored[5..10], ConversationKit.Ids(listing));
        var pagination = listing.GetProperty("pagination");
        Assert.Equal((12, 3), (pagination.Int("total"), pagination.Int("total_pages")));

        // The detail of a stored conversation needs no API either.
        var detail = await kit.Client.GetAsync($"conversations/{stored[0]}");
        await detail.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("database", (await detail.JsonAsync()).GetProperty("data").Str("source"));
        await (await kit.Client.GetAsync("conversations/conv_unknown")).AssertProblemAsync(HttpStatusCode.NotFound);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task SearchByPhoneNumberAndByIdDateFilterAndPagingTotals(DatabaseKind kind)
    {
        await using var kit = await ConversationKit.StartAsync(StartApiAsync, kind);
        kit.Seed(40, "+15550100001");
        var other = kit.Seed(25, "+15550100002");
        await (await kit.SyncAsync(1000)).AssertStatusAsync(HttpStatusCode.OK);
        var all = await kit.ProviderOrderAsync();
        var otherOrder = all.Where(c => other.Contains(c.Id)).Select(c => c.Id).ToList();

        foreach (var spelling in new[] { "+15550100002", "+1 (555) 010-0002", "15550100002" })
        {
            var byNumber = await kit.ListAsync("page_size=10&page=3&search=" + Uri.EscapeDataString(spelling));
            Assert.Equal(("database", "skipped"), (byNumber.Str("source"), byNumber.Str("api_status")));
            var pagination = byNumber.GetProperty("pagination");
            Assert.Equal((25, 3), (pagination.Int("total"), pagination.Int("total_pages")));
            var full = await kit.ListAsync("page_size=100&search=" + Uri.EscapeDataString(spelling));
            Assert.Equal(otherOrder, ConversationKit.Ids(full));
            Assert.Equal(otherOrder[20..], ConversationKit.Ids(byNumber));
            Assert.All(byNumber.GetProperty("data").EnumerateArray(), c => Assert.Equal("+15550100002", c.Str("callee_number")));
        }

        var byId = await kit.ListAsync("search=" + other[7]);
        Assert.Equal([other[7]], ConversationKit.Ids(byId));
        Assert.Equal(1, byId.GetProperty("pagination").Int("total"));
        var nothing = await kit.ListAsync("search=%2B19990000000");
        Assert.Empty(ConversationKit.Ids(nothing));
        Assert.Equal((0, 0), (nothing.GetProperty("pagination").Int("total"), nothing.GetProperty("pagination").Int("total_pages")));

        // date_filter is a UTC day; the seeded history may straddle midnight, so the expected set comes from the provider's own times.
        var day = DateTimeOffset.FromUnixTimeSeconds(all[0].StartUnix).UtcDateTime.Date;
        var onDay = all.Where(c => DateTimeOffset.FromUnixTimeSeconds(c.StartUnix).UtcDateTime.Date == day).Select(c => c.Id).ToList();
        var byDay = await kit.ListAsync($"page_size=100&date_filter={day:yyyy-MM-dd}");
        Assert.Equal(onDay, ConversationKit.Ids(byDay));
        Assert.Equal(onDay.Count, byDay.GetProperty("pagination").Int("total"));
        var emptyDay = await kit.ListAsync("date_filter=2001-01-01");
        Assert.Empty(ConversationKit.Ids(emptyDay));
        Assert.Equal(0, emptyDay.GetProperty("pagination").Int("total"));

        var combined = await kit.ListAsync($"page_size=100&date_filter={day:yyyy-MM-dd}&search=%2B15550100002");
        Assert.Equal(otherOrder.Where(onDay.Contains), ConversationKit.Ids(combined));
    }

    [Fact]
    public async Task BadQueryValuesAreRefusedNamingTheField()
    {
        await using var kit = await ConversationKit.StartAsync(StartApiAsync, DatabaseKind.Sqlite);

        await (await kit.Client.GetAsync("conversations?page=0")).AssertValidationProblemAsync("page");
        await (await kit.Client.GetAsync("conversations?page_size=101")).AssertValidationProblemAsync("page_size");
        await (await kit.Client.GetAsync("conversations?date_filter=22-11-2026")).AssertValidationProblemAsync("date_filter");
        await (await kit.Client.GetAsync("conversations?search=" + new string('x', 201))).AssertValidationProblemAsync("search");
        using var anonymous = kit.Service.CreateClient();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("conversations")).StatusCode);
    }

    [Fact]
    public async Task AnotherWorkspaceSeesNoneOfTheConversations()
    {
        await using var kit = await ConversationKit.StartAsync(StartApiAsync, DatabaseKind.Sqlite);
        var ids = kit.Seed(8);
        await (await kit.SyncAsync(1000)).AssertStatusAsync(HttpStatusCode.OK);
        using var stranger = await kit.Service.CreateWorkspaceAsync("Other", agentId: "agent_other");

        var listing = await stranger.Client.GetAsync("conversations");
        await listing.AssertStatusAsync(HttpStatusCode.OK);
        var body = await listing.JsonAsync();
        Assert.Empty(ConversationKit.Ids(body));
        Assert.Equal(0, body.GetProperty("pagination").Int("total"));
        await (await stranger.Client.GetAsync($"conversations/{ids[0]}")).AssertProblemAsync(HttpStatusCode.NotFound);
    }
}
