using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace VoiceOrchestrator.Tests.Infrastructure;

/// <summary>
/// The real service in a test host, configured through the same variables an operator sets
/// (DATABASE_URL and the rest), against a real database of the chosen kind.
/// </summary>
public sealed class OrchestratorFactory(TestDatabase database, IReadOnlyDictionary<string, string?>? settings = null)
    : WebApplicationFactory<Program>
{
    public const string AdminToken = "test-admin-token";

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public TestDatabase Database { get; } = database;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("DATABASE_URL", Database.DatabaseUrl);
        builder.UseSetting("ORCHESTRATOR_ADMIN_TOKEN", AdminToken);
        builder.UseSetting("LOG_LEVEL", "warn");
        // A provider key turns demo mode (seeded workspace, in-process emulator) off; tests that
        // dial point ELEVENLABS_BASE_URL at an emulator of their own.
        builder.UseSetting("ELEVENLABS_API_KEY", "test-elevenlabs-key");
        builder.UseSetting("ELEVENLABS_BASE_URL", "http://127.0.0.1:9");
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureLogging(logging => logging.ClearProviders());
    }

    public HttpClient CreateClient(string bearer)
    {
        var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return client;
    }

    public HttpClient CreateAdminClient() => CreateClient(AdminToken);

    /// <summary>Creates a workspace with one agent and one number and returns a client holding its key.</summary>
    public async Task<TestWorkspace> CreateWorkspaceAsync(string name = "Acme", string agentId = "agent_test", string phoneNumberId = "phnum_test")
    {
        using var admin = CreateAdminClient();
        var created = await admin.PostAsJsonAsync("/admin/workspaces", new { name });
        created.EnsureSuccessStatusCode();
        var body = await created.Content.ReadFromJsonAsync<JsonElement>(Json);
        var key = body.GetProperty("apiKey").GetString()!;
        var client = CreateClient(key);
        (await client.PostAsJsonAsync("/phone-numbers", new { phoneNumberId, phoneNumber = "+15550001111", provider = "twilio" })).EnsureSuccessStatusCode();
        (await client.PostAsJsonAsync("/agents", new { agentId, name = "Test agent", phoneNumberIds = new[] { phoneNumberId } })).EnsureSuccessStatusCode();
        return new TestWorkspace(body.GetProperty("id").GetString()!, key, agentId, phoneNumberId, client);
    }
}

public sealed record TestWorkspace(string Id, string ApiKey, string AgentId, string PhoneNumberId, HttpClient Client) : IDisposable
{
    public object PriorityCall(string toNumber, object? variables = null) =>
        new { agentId = AgentId, agentPhoneNumberId = PhoneNumberId, toNumber, variables };

    public void Dispose() => Client.Dispose();
}
