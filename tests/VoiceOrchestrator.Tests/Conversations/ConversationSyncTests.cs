using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Api;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Conversations;

/// <summary>Manual sync (issue: POST /conversations/sync): pages, upserts, logs, concurrency and outages.</summary>
[Collection(ConversationKit.Collection)]
public sealed class ConversationSyncTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task SyncingTwoHundredFiftyConversationsTwiceStoresEachOnceAndLogsBothRuns(DatabaseKind kind)
    {
        await using var kit = await ConversationKit.StartAsync(StartApiAsync, kind);
        var seeded = kit.Seed(250, "+15550100001");

        var first = await kit.SyncAsync(1000);
        await first.AssertStatusAsync(HttpStatusCode.OK);
        var firstRun = await first.JsonAsync();
        Assert.Equal(250, firstRun.Int("listed"));
        Assert.Equal(3, firstRun.Int("pages"));
        Assert.Equal(250, firstRun.GetProperty("sync").Int("records_synced"));
        Assert.Equal("success", firstRun.GetProperty("sync").Str("status"));

        var second = await kit.SyncAsync(1000);
        await second.AssertStatusAsync(HttpStatusCode.OK);
        var secondRun = await second.JsonAsync();
        Assert.Equal(250, secondRun.Int("unchanged"));
        Assert.Equal(0, secondRun.GetProperty("sync").Int("records_synced"));

        var stored = await kit.Service.QueryDbAsync(db => db.Conversations.Where(c => c.WorkspaceId == kit.Workspace.Id).ToListAsync());
        Assert.Equal(250, stored.Count);
        Assert.Equal(seeded.Order(StringComparer.Ordinal), stored.Select(c => c.ConversationId).Order(StringComparer.Ordinal));
        Assert.All(stored, c =>
        {
            Assert.Equal("done", c.Status);
            Assert.Equal("+15550100001", c.CalleeNumber);
            Assert.Equal(ConversationKit.AgentId, c.AgentId);
            Assert.True(c.SyncedFromApi);
            Assert.NotNull(c.StartedAt);
            Assert.StartsWith("[", c.Transcript);
        });

        var stats = await kit.Client.GetAsync("conversations/sync/stats");
        await stats.AssertStatusAsync(HttpStatusCode.OK);
        var body = await stats.JsonAsync();
        Assert.Equal(250, body.GetProperty("total_calls").GetInt64());
        var byStatus = body.GetProperty("by_status").EnumerateArray().ToDictionary(s => s.Str("status"), s => s.GetProperty("count").GetInt64());
        Assert.Equal(new Dictionary<string, long> { ["done"] = 250 }, byStatus);
        var runs = body.GetProperty("recent_syncs").EnumerateArray().ToList();
        Assert.Equal(2, runs.Count);
        Assert.All(runs, r => Assert.Equal(("manual", "success"), (r.Str("type"), r.Str("status"))));
        Assert.Equal([0, 250], runs.Select(r => r.Int("records_synced")));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task TwoSyncsAtOnceForOneWorkspaceDuplicateNothing(DatabaseKind kind)
    {
        await using var kit = await ConversationKit.StartAsync(StartApiAsync, kind);
        kit.Seed(250);

        var answers = await Task.WhenAll(kit.SyncAsync(1000), kit.SyncAsync(1000));

        var runs = new List<JsonElement>();
        foreach (var answer in answers)
        {
            await answer.AssertStatusAsync(HttpStatusCode.OK);
            runs.Add((await answer.JsonAsync()).GetProperty("sync"));
        }

        Assert.Equal(250, runs.Sum(r => r.Int("records_synced")));
        Assert.Equal(250, await kit.StoredCountAsync());
        var counted = await kit.Service.QueryDbAsync(db => db.ConversationCounts.Where(c => c.WorkspaceId == kit.Workspace.Id).SumAsync(c => c.Conversations));
        Assert.Equal(250, counted);
    }

    /// <summary>The emulator's history fails past 150 conversations: pages 1 and 2 are kept, the log says failed with the error.</summary>
    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task AnApiErrorMidwayKeepsWhatWasSyncedAndLogsTheFailure(DatabaseKind kind)
    {
        await using var kit = await ConversationKit.StartAsync(StartApiAsync, kind, new SimulatorOptions { ConversationListErrorAfter = 150 });
        kit.Seed(250);

        var answer = await kit.SyncAsync(1000);

        var problem = await answer.AssertProblemAsync(HttpStatusCode.BadGateway);
        var sync = problem.GetProperty("sync").GetProperty("sync");
        Assert.Equal("failed", sync.Str("status"));
        Assert.Equal(200, sync.Int("records_synced"));
        Assert.Contains("500", sync.Str("error"));
        Assert.Equal(200, await kit.StoredCountAsync());

        var logs = await kit.Service.QueryDbAsync(db => db.SyncLogs.Where(l => l.WorkspaceId == kit.Workspace.Id).ToListAsync());
        var log = Assert.Single(logs);
        Assert.Equal(("failed", 200), (log.Status, log.RecordsSynced));
        Assert.NotNull(log.CompletedAt);
        Assert.Contains("500", log.Error);

        // Once the provider recovers, the next run picks up the rest and nothing twice.
        kit.Emulator.State.Configure(o => o with { ConversationListErrorAfter = null });
        var retry = await kit.SyncAsync(1000);
        await retry.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(50, (await retry.JsonAsync()).GetProperty("sync").Int("records_synced"));
        Assert.Equal(250, await kit.StoredCountAsync());
    }

    /// <summary>
    /// The provider's answer breaks off midway (a proxy in front of the emulator closes the connection after the first
    /// bytes of the listing): the run is a failed sync, logged, and the answer a 502, as for an error status.
    /// </summary>
    [Fact]
    public async Task AConnectionLostMidAnswerIsAFailedSyncNotAServerError()
    {
        Uri? emulator = null;
        await using var proxy = await CuttingProxy.StartAsync(() => emulator!);
        await using var kit = await ConversationKit.StartAsync(StartApiAsync, DatabaseKind.Sqlite, null, ("ELEVENLABS_BASE_URL", proxy.Address.TrimEnd('/')));
        emulator = kit.Emulator.BaseAddress;
        kit.Seed(20);

        // Several runs: where the answer breaks off relative to the parser varies from run to run.
        const int runs = 8;
        for (var run = 0; run < runs; run++)
        {
            var answer = await kit.SyncAsync(1000);

            var problem = await answer.AssertProblemAsync(HttpStatusCode.BadGateway);
            Assert.Equal("failed", problem.GetProperty("sync").GetProperty("sync").Str("status"));
        }

        var logs = await kit.Service.QueryDbAsync(db => db.SyncLogs.Where(l => l.WorkspaceId == kit.Workspace.Id).ToListAsync());
        Assert.Equal(runs, logs.Count);
        Assert.All(logs, log => Assert.Equal(("failed", 0, true), (log.Status, log.RecordsSynced, log.Error is not null)));
        Assert.Equal(runs, proxy.Cut);
    }

    [Fact]
    public async Task TheLimitBoundsTheRunAndIsValidated()
    {
        await using var kit = await ConversationKit.StartAsync(StartApiAsync, DatabaseKind.Sqlite);
        kit.Seed(30);

        var limited = await kit.SyncAsync(12);
        await limited.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal(12, (await limited.JsonAsync()).GetProperty("sync").Int("records_synced"));
        Assert.Equal(12, await kit.StoredCountAsync());

        await (await kit.SyncAsync(0)).AssertValidationProblemAsync("limit");
        await (await kit.SyncAsync(100_001)).AssertValidationProblemAsync("limit");
        Assert.Equal(12, await kit.StoredCountAsync());
    }

    [Fact]
    public async Task TheSyncCommandRunsTheSameSyncForTheNamedWorkspace()
    {
        await using var kit = await ConversationKit.StartAsync(StartApiAsync, DatabaseKind.Sqlite);
        kit.Seed(30);

        var (exit, output) = await RunCommandAsync(kit, "sync", "--limit", "25", "--workspace", kit.Workspace.Id);

        Assert.True(exit == 0, output);
        Assert.Contains("\"records_synced\":25", output);
        Assert.Equal(25, await kit.StoredCountAsync());
        var log = await kit.Service.QueryDbAsync(db => db.SyncLogs.SingleAsync(l => l.WorkspaceId == kit.Workspace.Id));
        Assert.Equal(("manual", "success", 25), (log.Type, log.Status, log.RecordsSynced));

        Assert.Equal(64, (await RunCommandAsync(kit, "sync", "--limit", "0")).Exit);
        Assert.Equal(64, (await RunCommandAsync(kit, "sync", "--workspace", "ws_nobody")).Exit);
        Assert.Equal(25, await kit.StoredCountAsync());
    }

    [Fact]
    public async Task TheOpenApiDocumentListsTheConversationRoutes()
    {
        await using var kit = await ConversationKit.StartAsync(StartApiAsync, DatabaseKind.Sqlite);
        using var anonymous = kit.Service.CreateClient();

        var document = await (await anonymous.GetAsync("/openapi/v1.json")).JsonAsync();

        var paths = document.GetProperty("paths");
        foreach (var (path, method) in new[]
        {
            ("/conversations", "get"), ("/conversations/{id}", "get"), ("/conversations/sync", "post"),
            ("/conversations/sync/stats", "get"), ("/api/consultations/elevenlabs", "get"),
        })
        {
            Assert.True(paths.TryGetProperty(path, out var item) && item.TryGetProperty(method, out var operation) && operation.TryGetProperty("summary", out _), $"{method} {path}");
        }
    }

    /// <summary>Runs the service binary with a command against the kit's database and emulator; bounded to a minute.</summary>
    private static async Task<(int Exit, string Output)> RunCommandAsync(ConversationKit kit, params string[] args)
    {
        var start = new System.Diagnostics.ProcessStartInfo("dotnet", [ServiceProcess.ServiceAssembly(), .. args])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetTempPath(),
        };
        start.Environment["DATABASE_URL"] = kit.Service.Database.DatabaseUrl;
        start.Environment["ELEVENLABS_API_KEY"] = "test-elevenlabs-key";
        start.Environment["ELEVENLABS_BASE_URL"] = kit.Emulator.BaseAddress.ToString().TrimEnd('/');
        start.Environment["ORCHESTRATOR_ADMIN_TOKEN"] = OrchestratorFactory.AdminToken;
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Testing";
        start.Environment["LOG_LEVEL"] = "warn";
        using var process = System.Diagnostics.Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("the command did not finish within a minute: " + await output + await error);
        }

        return (process.ExitCode, await output + await error);
    }
}
