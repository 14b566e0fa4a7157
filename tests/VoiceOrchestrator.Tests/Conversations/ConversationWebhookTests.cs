using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Providers.ElevenLabs;
using VoiceOrchestrator.Tests.Api;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Conversations;

/// <summary>Webhook sync: a post_call_transcription upserts its conversation and links it to its call.</summary>
[Collection(ConversationKit.Collection)]
public sealed class ConversationWebhookTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    private const string Secret = "wsec_test_secret";

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task APostCallTranscriptionStoresTheConversationOnceLinkedToItsCall(DatabaseKind kind)
    {
        await using var kit = await ConversationKit.StartAsync(StartApiAsync, kind, settings: ("ELEVENLABS_WEBHOOK_SECRET", Secret));
        var queued = await kit.Workspace.QueueCallAsync("+15550100007");
        var callId = queued.GetProperty("id").GetGuid();

        // The emulator's own conversation model (contract §7, which the webhook shares), naming our call as user_id.
        var conversationId = kit.Seed(1, "+15550100007")[0];
        using var provider = new HttpClient { BaseAddress = kit.Emulator.BaseAddress };
        provider.DefaultRequestHeaders.Add("xi-api-key", "test-elevenlabs-key");
        var data = JsonNode.Parse(await provider.GetStringAsync($"v1/convai/conversations/{conversationId}"))!.AsObject();
        data["user_id"] = callId.ToString();
        var body = new JsonObject { ["type"] = "post_call_transcription", ["event_timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["data"] = data }.ToJsonString();

        // Delivered twice, as a retrying platform may: still one row.
        for (var delivery = 0; delivery < 2; delivery++)
        {
            var answer = await PostSignedAsync(kit, body);
            await answer.AssertStatusAsync(HttpStatusCode.OK);
        }

        var stored = await kit.Service.QueryDbAsync(db => db.Conversations.Where(c => c.ConversationId == conversationId).ToListAsync());
        var row = Assert.Single(stored);
        Assert.Equal(kit.Workspace.Id, row.WorkspaceId);
        Assert.Equal(callId, row.CallId);
        Assert.Equal(("done", "+15550100007", "outbound"), (row.Status, row.CalleeNumber, row.Direction));
        Assert.False(row.SyncedFromApi);
        Assert.NotNull(row.DurationSecs);
        Assert.True(JsonDocument.Parse(row.Transcript!).RootElement.GetArrayLength() > 0);

        var detail = await kit.Client.GetAsync($"conversations/{conversationId}");
        await detail.AssertStatusAsync(HttpStatusCode.OK);
        var view = await detail.JsonAsync();
        Assert.Equal(callId, view.GetProperty("data").GetProperty("call_id").GetGuid());
        Assert.Equal("database", view.GetProperty("data").Str("source"));
        Assert.True(view.GetProperty("transcript").GetArrayLength() > 0);

        // A sync afterwards finds it unchanged and keeps the link.
        var sync = await kit.SyncAsync(100);
        await sync.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(1, await kit.StoredCountAsync());
        Assert.Equal(callId, await kit.Service.QueryDbAsync(db => db.Conversations.Where(c => c.ConversationId == conversationId).Select(c => c.CallId).SingleAsync()));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task AConversationNamingNoCallOfOursIsKeptInItsAgentsWorkspaceUnlinked(DatabaseKind kind)
    {
        await using var kit = await ConversationKit.StartAsync(StartApiAsync, kind, settings: ("ELEVENLABS_WEBHOOK_SECRET", Secret));
        await kit.Workspace.QueueCallAsync("+15550100008");
        var conversationId = kit.Seed(1, "+15550100008")[0];
        using var provider = new HttpClient { BaseAddress = kit.Emulator.BaseAddress };
        provider.DefaultRequestHeaders.Add("xi-api-key", "test-elevenlabs-key");
        var data = JsonNode.Parse(await provider.GetStringAsync($"v1/convai/conversations/{conversationId}"))!.AsObject();
        // A user_id shaped like our ids, naming no call of ours: the store by call writes nothing, and the agent decides.
        data["user_id"] = Guid.NewGuid().ToString();
        var body = new JsonObject { ["type"] = "post_call_transcription", ["event_timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds(), ["data"] = data }.ToJsonString();

        var answer = await PostSignedAsync(kit, body);

        await answer.AssertStatusAsync(HttpStatusCode.OK);
        var row = Assert.Single(await kit.Service.QueryDbAsync(db => db.Conversations.Where(c => c.ConversationId == conversationId).ToListAsync()));
        Assert.Equal(kit.Workspace.Id, row.WorkspaceId);
        Assert.Null(row.CallId);
    }

    [Fact]
    public async Task ABadSignatureStoresNothing()
    {
        await using var kit = await ConversationKit.StartAsync(StartApiAsync, DatabaseKind.Sqlite, settings: ("ELEVENLABS_WEBHOOK_SECRET", Secret));
        var body = JsonSerializer.Serialize(new { type = "post_call_transcription", data = new { conversation_id = "conv_x", agent_id = ConversationKit.AgentId, status = "done" } });
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        content.Headers.Add(ElevenLabsSignature.HeaderName, $"t={DateTimeOffset.UtcNow.ToUnixTimeSeconds()},v0=00");

        var answer = await kit.Service.CreateClient().PostAsync("webhooks/elevenlabs", content);

        Assert.Equal(HttpStatusCode.Unauthorized, answer.StatusCode);
        Assert.Equal(0, await kit.StoredCountAsync());
    }

    private static async Task<HttpResponseMessage> PostSignedAsync(ConversationKit kit, string body)
    {
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var content = new StringContent(body, Encoding.UTF8, "application/json");
        content.Headers.Add(ElevenLabsSignature.HeaderName, ElevenLabsSignature.Sign(Secret, timestamp, Encoding.UTF8.GetBytes(body)));
        using var anonymous = kit.Service.CreateClient();
        return await anonymous.PostAsync("webhooks/elevenlabs", content);
    }
}
