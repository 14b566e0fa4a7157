using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Api;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Conversations;

[CollectionDefinition(ConversationKit.Collection)]
public sealed class ConversationsCollection : ICollectionFixture<PostgresFixture>;

/// <summary>
/// The conversation tests' setting: an emulator holding seeded conversation history, and the
/// service (dispatcher parked) pointed at it, with one workspace whose agent owns that history.
/// </summary>
internal sealed class ConversationKit : IAsyncDisposable
{
    public const string Collection = "conversations";
    public const string AgentId = "agent_test";

    private ConversationKit(RunningSimulator emulator, OrchestratorFactory service, TestWorkspace workspace)
    {
        Emulator = emulator;
        Service = service;
        Workspace = workspace;
    }

    public RunningSimulator Emulator { get; }

    public OrchestratorFactory Service { get; }

    public TestWorkspace Workspace { get; }

    public HttpClient Client => Workspace.Client;

    public static async Task<ConversationKit> StartAsync(
        Func<DatabaseKind, IReadOnlyDictionary<string, string?>, Task<OrchestratorFactory>> startService, DatabaseKind kind,
        SimulatorOptions? emulator = null, params (string Name, string Value)[] settings)
    {
        var running = await SimulatorApp.StartAsync(emulator ?? new SimulatorOptions());
        var environment = new Dictionary<string, string?> { ["ELEVENLABS_BASE_URL"] = running.BaseAddress.ToString().TrimEnd('/') };
        foreach (var (name, value) in settings)
        {
            environment[name] = value;
        }

        var service = await startService(kind, environment);
        var workspace = await service.CreateWorkspaceAsync(agentId: AgentId);
        return new ConversationKit(running, service, workspace);
    }

    /// <summary>Adds finished conversations to the emulator's history, one minute apart, the newest a minute ago.</summary>
    public IReadOnlyList<string> Seed(int count, string toNumber = "+15550100000") =>
        Emulator.State.SeedConversations(count, AgentId, toNumber);

    /// <summary>Every conversation the emulator lists for the agent, newest first (the order the listing must give).</summary>
    public async Task<List<(string Id, long StartUnix)>> ProviderOrderAsync()
    {
        using var provider = new HttpClient { BaseAddress = Emulator.BaseAddress };
        provider.DefaultRequestHeaders.Add("xi-api-key", "test-elevenlabs-key");
        var all = new List<(string, long)>();
        string? cursor = null;
        for (var page = 0; page < 1000; page++)
        {
            var answer = await provider.GetFromJsonAsync<JsonElement>($"v1/convai/conversations?agent_id={AgentId}&page_size=100" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            all.AddRange(answer.GetProperty("conversations").EnumerateArray().Select(c => (c.GetProperty("conversation_id").GetString()!, c.GetProperty("start_time_unix_secs").GetInt64())));
            if (!answer.GetProperty("has_more").GetBoolean())
            {
                break;
            }

            cursor = answer.GetProperty("next_cursor").GetString();
        }

        // The API gives start times in seconds: conversations within one second are ordered by id, as the listing does.
        return [.. all.OrderByDescending(c => c.Item2).ThenByDescending(c => c.Item1, StringComparer.Ordinal)];
    }

    public async Task<HttpResponseMessage> SyncAsync(int limit) =>
        await Client.PostAsJsonAsync("conversations/sync", new { limit });

    public async Task<JsonElement> ListAsync(string query = "")
    {
        var response = await Client.GetAsync("conversations?" + query);
        await response.AssertStatusAsync(System.Net.HttpStatusCode.OK);
        return await response.JsonAsync();
    }

    public Task<int> StoredCountAsync() =>
        Service.QueryDbAsync(db => db.Conversations.CountAsync(c => c.WorkspaceId == Workspace.Id));

    /// <summary>Waits, bounded, until the workspace has the given number of stored conversations.</summary>
    public async Task<int> WaitStoredAsync(int expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        int stored;
        while ((stored = await StoredCountAsync()) != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        return stored;
    }

    public static List<string> Ids(JsonElement listing) =>
        [.. listing.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("conversation_id").GetString()!)];

    public async ValueTask DisposeAsync()
    {
        Workspace.Dispose();
        await Emulator.DisposeAsync();
    }
}
