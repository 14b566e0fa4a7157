using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace VoiceOrchestrator.Simulator.Tests;

/// <summary>A simulator started on a free loopback port, with an HTTP client that talks to it like a provider client would.</summary>
internal sealed class SimulatorHarness : IAsyncDisposable
{
    public const string ApiKey = "sk_test_key";
    public const string AgentId = "agent_test";
    public const string PhoneNumberId = "phnum_test";
    public const string TwilioPath = "/v1/convai/twilio/outbound-call";
    public const string SipPath = "/v1/convai/sip-trunk/outbound-call";

    private SimulatorHarness(RunningSimulator simulator)
    {
        Simulator = simulator;
        Http = new HttpClient { BaseAddress = simulator.BaseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Http.DefaultRequestHeaders.Add("xi-api-key", ApiKey);
    }

    public RunningSimulator Simulator { get; }

    public SimulatorState State => Simulator.State;

    public HttpClient Http { get; }

    public static async Task<SimulatorHarness> StartAsync(SimulatorOptions? options = null) =>
        new(await SimulatorApp.StartAsync(options ?? new SimulatorOptions()));

    public static string DialBody(string toNumber, object? clientData = null, string agentId = AgentId) => JsonSerializer.Serialize(new Dictionary<string, object?>
    {
        ["agent_id"] = agentId,
        ["agent_phone_number_id"] = PhoneNumberId,
        ["to_number"] = toNumber,
        ["conversation_initiation_client_data"] = clientData,
    });

    public Task<HttpResponseMessage> PostJsonAsync(string path, string json, CancellationToken cancellationToken = default) =>
        Http.PostAsync(path, new StringContent(json, Encoding.UTF8, "application/json"), cancellationToken);

    public Task<HttpResponseMessage> DialAsync(string toNumber, string path = TwilioPath, object? clientData = null, string agentId = AgentId) =>
        PostJsonAsync(path, DialBody(toNumber, clientData, agentId));

    /// <summary>Dials and returns the conversation id, failing the test unless the call was placed.</summary>
    public async Task<string> DialPlacedAsync(string toNumber, string path = TwilioPath, object? clientData = null, string agentId = AgentId)
    {
        using var response = await DialAsync(toNumber, path, clientData, agentId);
        var body = await ReadJsonAsync(response);
        Assert.True(response.IsSuccessStatusCode, $"Dial failed: {(int)response.StatusCode} {body}");
        Assert.True(body["success"]!.GetValue<bool>());
        return body["conversation_id"]!.GetValue<string>();
    }

    public async Task<JsonObject> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        var body = await ReadJsonAsync(response);
        Assert.True(response.IsSuccessStatusCode, $"GET {path} failed: {(int)response.StatusCode} {body}");
        return body;
    }

    public async Task<JsonObject> GetStatsAsync() => await GetJsonAsync("/_sim/stats");

    public async Task<HttpResponseMessage> ConfigureAsync(object patch) => await Http.PutAsJsonAsync("/_sim/config", patch);

    /// <summary>Polls until <paramref name="condition"/> holds; fails after <paramref name="timeout"/> (10 s by default).</summary>
    public static async Task WaitUntilAsync(Func<Task<bool>> condition, string description, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(10));
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"Timed out waiting until {description}.");
            await Task.Delay(20);
        }
    }

    public Task WaitForConversationStatusAsync(string conversationId, string status) => WaitUntilAsync(
        async () => (await GetJsonAsync($"/v1/convai/conversations/{conversationId}"))["status"]!.GetValue<string>() == status,
        $"{conversationId} is {status}");

    public static async Task<JsonObject> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonNode.Parse(text) as JsonObject ?? throw new InvalidOperationException($"Not a JSON object: {text}");
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Simulator.DisposeAsync();
    }
}
