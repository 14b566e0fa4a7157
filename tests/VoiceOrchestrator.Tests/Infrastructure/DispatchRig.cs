using System.Net.Http.Json;
using VoiceOrchestrator.Simulator;

namespace VoiceOrchestrator.Tests.Infrastructure;

/// <summary>
/// An emulator plus service processes pointed at it and at one database: the setting of the
/// dispatch tests. The emulator sends its signed webhooks to the first service.
/// </summary>
public sealed class DispatchRig : IAsyncDisposable
{
    public const string WebhookSecret = "wsec_test_secret";
    public const string AgentId = "agent_test";
    public const string PhoneNumberId = "phnum_test";

    private readonly List<ServiceProcess> _services = [];
    private readonly Dictionary<string, string?> _environment;

    private DispatchRig(RunningSimulator simulator, TestDatabase database, Dictionary<string, string?> environment)
    {
        Simulator = simulator;
        Database = database;
        _environment = environment;
    }

    public RunningSimulator Simulator { get; }

    public TestDatabase Database { get; }

    public IReadOnlyList<ServiceProcess> Services => _services;

    public string ApiKey { get; private set; } = "";

    public static async Task<DispatchRig> StartAsync(
        DatabaseKind kind, PostgresFixture postgres, SimulatorOptions simulator, IReadOnlyDictionary<string, string?>? settings = null, int instances = 1)
    {
        // The webhook port is picked free and released before the emulator binds a port of its own, which can then be
        // the same one; the first service would find it taken. Pick again until they differ.
        int webhookPort;
        RunningSimulator emulator;
        while (true)
        {
            webhookPort = ServiceProcess.FreePort();
            emulator = await SimulatorApp.StartAsync(simulator with
            {
                WebhookUrl = $"http://127.0.0.1:{webhookPort}/webhooks/elevenlabs",
                WebhookSecret = WebhookSecret,
            });
            if (emulator.BaseAddress.Port != webhookPort)
            {
                break;
            }

            await emulator.DisposeAsync();
        }

        var database = await TestDatabase.CreateAsync(kind, postgres);
        var environment = new Dictionary<string, string?>
        {
            ["DATABASE_URL"] = database.DatabaseUrl,
            ["ELEVENLABS_API_KEY"] = "test-elevenlabs-key",
            ["ELEVENLABS_BASE_URL"] = emulator.BaseAddress.ToString().TrimEnd('/'),
            ["ELEVENLABS_WEBHOOK_SECRET"] = WebhookSecret,
            ["TWILIO_API_BASE_URL"] = emulator.BaseAddress.ToString().TrimEnd('/'),
            ["LOG_LEVEL"] = "warn",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            environment[key] = value;
        }

        var rig = new DispatchRig(emulator, database, environment);
        try
        {
            rig._services.Add(await ServiceProcess.StartAsync(environment, webhookPort));
            for (var i = 1; i < instances; i++)
            {
                rig._services.Add(await ServiceProcess.StartAsync(environment));
            }

            rig.ApiKey = await rig._services[0].CreateWorkspaceAsync(AgentId, PhoneNumberId);
        }
        catch
        {
            await rig.DisposeAsync();
            throw;
        }

        return rig;
    }

    /// <summary>A rig on a SQLite file: for tests that need no PostgreSQL and so need not wait for the "postgres" collection.</summary>
    public static Task<DispatchRig> StartSqliteAsync(
        SimulatorOptions simulator, IReadOnlyDictionary<string, string?>? settings = null, int instances = 1) =>
        StartAsync(DatabaseKind.Sqlite, null!, simulator, settings, instances); // SQLite never touches the PostgreSQL fixture.

    /// <summary>Starts one more instance, or restarts the webhook receiver on its old port after a kill.</summary>
    public async Task<ServiceProcess> StartInstanceAsync(int? port = null)
    {
        var service = await ServiceProcess.StartAsync(_environment, port);
        _services.Add(service);
        return service;
    }

    public HttpClient Client(int instance = 0) => _services[instance].CreateClient(ApiKey);

    /// <summary>Queues one bulk of calls to distinct numbers; returns the numbers.</summary>
    public async Task<List<string>> QueueBulkAsync(int count, int concurrency = 100, string? campaignId = null, int firstNumber = 0, int instance = 0)
    {
        var numbers = Enumerable.Range(firstNumber, count).Select(i => $"+1555{i:D7}").ToList();
        using var client = Client(instance);
        var response = await client.PostAsJsonAsync("calls/bulk", new
        {
            campaignId,
            agentId = AgentId,
            agentPhoneNumberId = PhoneNumberId,
            concurrency,
            calls = numbers.Select(n => new { toNumber = n }),
        });
        response.EnsureSuccessStatusCode();
        return numbers;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var service in _services)
        {
            await service.DisposeAsync();
        }

        await Simulator.DisposeAsync();
        Database.Dispose();
    }
}
