using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Data.Sqlite;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Dispatch;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Operations;

/// <summary>
/// SIGTERM to a real service process while clients submit calls and dials are in flight: it exits 0,
/// every call it acknowledged is stored and later dialed, no dial is left hanging, and the
/// dispatcher lease is given up. Start-up logs one configuration line without secrets.
/// </summary>
[Collection(OperationsCollections.Processes)]
public sealed class ShutdownTests
{
    [Fact]
    public async Task SigtermUnderLoadExitsZeroLosesNothingAndReleasesTheLease()
    {
        // Each dial takes 400 ms to answer, so a stop always finds some in flight.
        await using var rig = await DispatchRig.StartSqliteAsync(
            new SimulatorOptions { ConcurrencyLimit = 1000, RingMs = 100, CallDurationMs = 300, ResponseLatencyMs = 400 },
            // Calls left ringing at the stop get their webhooks while no one listens: short leases reconcile them soon after the restart.
            DispatchKit.Settings(("ELEVENLABS_CONCURRENCY_LIMIT", "20"), ("LOG_LEVEL", "info"), ("CALL_LEASE_SECONDS", "3"), ("DISPATCHER_LEASE_SECONDS", "2")));
        var service = rig.Services[0];
        var accepted = new ConcurrentBag<Guid>();
        var refused = new ConcurrentBag<HttpStatusCode>();
        using var stopWriting = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var writers = Enumerable.Range(0, 4).Select(writer => Task.Run(async () =>
        {
            using var client = rig.Client();
            var failures = 0;
            for (var i = 0; i < 150 && !stopWriting.IsCancellationRequested && failures < 20; i++)
            {
                try
                {
                    var response = await client.PostAsJsonAsync("calls/priority", new
                    {
                        agentId = DispatchRig.AgentId,
                        agentPhoneNumberId = DispatchRig.PhoneNumberId,
                        toNumber = $"+1555{writer}{i:D6}",
                    }, stopWriting.Token);
                    if (response.IsSuccessStatusCode)
                    {
                        accepted.Add(JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid());
                    }
                    else
                    {
                        refused.Add(response.StatusCode);
                    }
                }
                catch (HttpRequestException)
                {
                    // The service stopped listening: nothing was acknowledged for this request.
                    failures++;
                    await Task.Delay(25);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        })).ToArray();

        await DispatchKit.WaitUntilAsync(() => Task.FromResult(accepted.Count >= 40 && rig.Simulator.State.GetStats().AcceptedDials >= 10),
            TimeSpan.FromSeconds(60), () => $"no load built up: {accepted.Count} accepted");
        var exitCode = await service.StopAsync(TimeSpan.FromSeconds(45));
        await stopWriting.CancelAsync();
        await Task.WhenAll(writers);

        Assert.True(exitCode == 0, $"exit code {exitCode}\n{service.Tail()}");
        // Once stopping, intake refuses with 503 (to be sent elsewhere); nothing else is refused.
        Assert.All(refused, status => Assert.Equal(HttpStatusCode.ServiceUnavailable, status));
        Assert.Contains("Dispatcher lease released", service.Output);
        await using (var db = new SqliteConnection(DatabaseUrlParser.Parse(rig.Database.DatabaseUrl).ConnectionString))
        {
            await db.OpenAsync();
            Assert.True(await ScalarAsync(db, "SELECT holder FROM dispatcher_lease WHERE name = 'dispatcher'") is DBNull, "the lease still names a holder");
            var dialing = Convert.ToInt32(await ScalarAsync(db, "SELECT COUNT(*) FROM calls WHERE state = 'dialing'"), System.Globalization.CultureInfo.InvariantCulture);
            Assert.True(dialing == 0, $"{dialing} dials were left without an outcome");
            var stored = await IdsAsync(db);
            var lost = accepted.Where(id => !stored.Contains(id)).ToList();
            Assert.True(lost.Count == 0, $"{lost.Count} of {accepted.Count} acknowledged calls are not stored");
        }

        // Started again, the service dials every acknowledged call still queued: none was dropped on the way down.
        await rig.StartInstanceAsync(service.Port);
        using var restarted = rig.Client(rig.Services.Count - 1);
        var calls = await DispatchKit.WaitTerminalAsync(restarted, [.. accepted], TimeSpan.FromSeconds(90));
        Assert.All(calls, c => Assert.True(c.Status == "completed", $"{c.Id} ended {c.Status}: {c.History}"));
    }

    [Fact]
    public async Task SigtermStopsIntakeAtOnceAndWaitsForTheDialInFlight()
    {
        // One dial the provider takes 12 s to answer keeps the service in its shutdown for that long
        // (long enough that a loaded machine still reaches the shutdown while the dial is out, and
        // within both the request timeout of 15 s and the dispatcher's 20 s of grace).
        await using var rig = await DispatchRig.StartSqliteAsync(
            new SimulatorOptions { ConcurrencyLimit = 10, RingMs = 100, CallDurationMs = 200, ResponseLatencyMs = 12000 },
            DispatchKit.Settings(("LOG_LEVEL", "info")));
        var service = rig.Services[0];
        using var client = rig.Client();
        var call = new { agentId = DispatchRig.AgentId, agentPhoneNumberId = DispatchRig.PhoneNumberId, toNumber = "+15550009999" };
        var id = JsonDocument.Parse(await (await client.PostAsJsonAsync("calls/priority", call)).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        await DispatchKit.WaitUntilAsync(() => Task.FromResult(rig.Simulator.State.GetStats().TotalRequests >= 1), TimeSpan.FromSeconds(30), () => "the call was not dialed");

        var stopping = Stopwatch.StartNew();
        using (Process.Start("kill", ["-TERM", service.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
        }

        // Intake stops at once: a new request is refused (connection refused, or 503 on a kept-alive connection).
        HttpStatusCode? answered = HttpStatusCode.Accepted;
        await DispatchKit.WaitUntilAsync(async () =>
        {
            try
            {
                using var fresh = rig.Client();
                answered = (await fresh.PostAsJsonAsync("calls/priority", call with { toNumber = "+15550009998" })).StatusCode;
                return answered == HttpStatusCode.ServiceUnavailable;
            }
            catch (HttpRequestException)
            {
                answered = null;
                return true;
            }
        }, TimeSpan.FromSeconds(3), () => $"intake still answered {answered} while stopping");

        Assert.Equal(0, await service.StopAsync(TimeSpan.FromSeconds(40)));
        // It waited for the provider's answer (about 12 s after the dial) and recorded it, instead of leaving the call 'dialing'.
        // Two when the first intake probe above was accepted just before the signal arrived, and dialed at once.
        Assert.Matches("Waiting for [12] provider requests in flight", service.Output);
        await using var db = new SqliteConnection(DatabaseUrlParser.Parse(rig.Database.DatabaseUrl).ConnectionString);
        await db.OpenAsync();
        var state = (string?)await ScalarAsync(db, $"SELECT state FROM calls WHERE id = '{id.ToString().ToUpperInvariant()}'");
        Assert.True(state is "ringing" or "in_progress" or "completed", $"the call is {state} after {stopping.Elapsed}");
        Assert.True(await ScalarAsync(db, "SELECT holder FROM dispatcher_lease WHERE name = 'dispatcher'") is DBNull);
    }

    [Fact]
    public async Task StartUpLogsOneConfigurationLineWithSecretsMasked()
    {
        await using var rig = await DispatchRig.StartSqliteAsync(new SimulatorOptions(), DispatchKit.Settings(("LOG_LEVEL", "info"), ("METRICS_TOKEN", "metrics-secret-value")));
        var output = rig.Services[0].Output;

        var summaries = output.Split('\n').Where(l => l.Contains("VoiceOrchestrator started:", StringComparison.Ordinal)).ToList();
        var summary = Assert.Single(summaries);
        using var line = JsonDocument.Parse(summary);
        var message = line.RootElement.GetProperty("Message").GetString()!;
        Assert.Contains("elevenlabs_api_key=set", message);
        Assert.Contains("elevenlabs_webhook_secret=set", message);
        Assert.Contains("metrics_token=set", message);
        Assert.Contains("database=sqlite", message);
        foreach (var secret in new[] { "test-elevenlabs-key", DispatchRig.WebhookSecret, OrchestratorFactory.AdminToken, "metrics-secret-value" })
        {
            Assert.DoesNotContain(secret, output);
        }
    }

    private static async Task<object?> ScalarAsync(SqliteConnection db, string sql)
    {
        await using var command = db.CreateCommand();
        command.CommandText = sql;
        return await command.ExecuteScalarAsync();
    }

    private static async Task<HashSet<Guid>> IdsAsync(SqliteConnection db)
    {
        await using var command = db.CreateCommand();
        command.CommandText = "SELECT id FROM calls";
        var ids = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(Guid.Parse(reader.GetString(0)));
        }

        return ids;
    }
}
