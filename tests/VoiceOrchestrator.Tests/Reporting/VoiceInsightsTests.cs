using System.Net;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Reporting;
using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tests.Api;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Reporting;

/// <summary>Quality figures come from Voice Insights call summaries (the emulator's); calls without figures get none.</summary>
[Collection(ReportingTests.Collection)]
public sealed class VoiceInsightsTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    [Fact]
    public async Task FinishedTwilioCallsGetTheirSummaryFiguresAndOthersStayWithout()
    {
        await using var emulator = await SimulatorApp.StartAsync(new SimulatorOptions());
        var factory = await StartApiAsync(DatabaseKind.Sqlite, new Dictionary<string, string?>
        {
            ["TWILIO_ACCOUNT_SID"] = "AC00000000000000000000000000000000",
            ["TWILIO_AUTH_TOKEN"] = "test_auth_token_0123456789abcdef",
            ["TWILIO_INSIGHTS_BASE_URL"] = emulator.BaseAddress.ToString(),
        });
        var workspace = await factory.CreateWorkspaceAsync();
        var now = DateTime.UtcNow;
        Call Finished(string number, string? sid, int minutesAgo) => new()
        {
            Id = Guid.NewGuid(), WorkspaceId = workspace.Id, AgentId = workspace.AgentId, AgentPhoneNumberId = workspace.PhoneNumberId, ToNumber = number,
            State = CallState.Completed, TwilioCallSid = sid, CreatedAt = now.AddMinutes(-minutesAgo - 2), UpdatedAt = now,
            EndedAt = now.AddMinutes(-minutesAgo), DurationSecs = 60,
        };
        var measured = Finished("+15550000001", "CA11111111111111111111111111111234", 40);
        var unmeasured = Finished("+15550000002", "CA11111111111111111111111111110000", 40);
        var tooRecent = Finished("+15550000003", "CA11111111111111111111111111115678", 5);
        var notTwilio = Finished("+15550000004", null, 40);
        await using (var scope = factory.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
            await using var transaction = await db.Database.BeginTransactionAsync();
            await BulkInserter.InsertAsync(db, new[] { measured, unmeasured, tooRecent, notTwilio }, CancellationToken.None);
            await transaction.CommitAsync();
        }

        var backfill = factory.Services.GetRequiredService<CallQualityBackfill>();
        Assert.Equal(2, await backfill.RunOnceAsync(CancellationToken.None));
        Assert.Equal(0, await backfill.RunOnceAsync(CancellationToken.None));

        var calls = await factory.QueryDbAsync(db => db.Calls.ToDictionaryAsync(c => c.Id));
        Assert.NotNull(calls[measured.Id].Jitter);
        Assert.InRange(calls[measured.Id].PacketLoss!.Value, 0, 4);
        Assert.Null(calls[measured.Id].CallQuality);
        Assert.Equal((null, null, CallQualityBackfill.Unavailable), (calls[unmeasured.Id].Jitter, calls[unmeasured.Id].PacketLoss, calls[unmeasured.Id].CallQuality));
        Assert.Equal((null, null), (calls[tooRecent.Id].Jitter, calls[tooRecent.Id].CallQuality));
        Assert.Equal((null, null), (calls[notTwilio.Id].Jitter, calls[notTwilio.Id].CallQuality));

        var response = await workspace.Client.GetAsync("/calls/quality-metrics");
        await response.AssertStatusAsync(HttpStatusCode.OK);
        var quality = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal((1, 3), ((int)quality["callsWithMetrics"]!, (int)quality["callsWithoutMetrics"]!));
        Assert.Equal(Math.Round(calls[measured.Id].Jitter!.Value, 2), (double)quality["technicalMetrics"]!["averageJitter"]!);
        Assert.Null(quality["technicalMetrics"]!["averageMOS"]);
    }
}
