using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Reporting.Retention;
using VoiceOrchestrator.Tests.Api;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Reporting;

[CollectionDefinition(ReportingTests.Collection)]
public sealed class ReportingCollection : ICollectionFixture<PostgresFixture>;

/// <summary>
/// Reports over raw calls and daily aggregates: the same range gives the same figures before and
/// after retention moves days out of the raw table, a failure between roll-up and delete neither
/// loses nor doubles a count, and no report ever shows another workspace's calls.
/// </summary>
[Collection(Collection)]
public sealed class ReportingTests(PostgresFixture postgres) : ApiTestBase(postgres)
{
    public const string Collection = "reporting";

    private static readonly Dictionary<string, string?> Prices = new()
    {
        ["TWILIO_PRICE_PER_MINUTE"] = "0.015625",
        ["TWILIO_AMD_PRICE_PER_CALL"] = "0.0078125",
        ["ELEVENLABS_PRICE_PER_MINUTE"] = "0.125",
        ["VOICEMAIL_SECONDS"] = "30",
    };

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task ReportsGiveTheSameTotalsBeforeAndAfterEachNightlyRetention(DatabaseKind kind)
    {
        var (factory, clock, a, b, aData, bData) = await SeedTwoWorkspacesAsync(kind);
        var range = Range(clock);
        var before = await SnapshotAsync(a.Client, range);
        AssertFiguresMatch(before, aData, clock);

        // Nights go by: the clock moves and retention runs, leaving a smaller raw window each time;
        // the last run repeats the previous one and must change nothing.
        var runner = Runner(factory, clock, new RetentionFaults());
        var purged = 0;
        var nights = new[] { -16, -9, -2, 0, 0 };
        var seededAt = clock.Now;
        foreach (var offset in nights)
        {
            clock.Now = Today(aData).AddDays(offset).AddHours(3);
            var report = await runner.RunAsync(CancellationToken.None);
            purged += report.CallsPurged;
            AssertSameReports(before, await SnapshotAsync(a.Client, range));
        }

        // The nights were retention's; the figures below are checked against the time the data was made for (before
        // 03:00 UTC, today's 03:00 would leave the calls that just ended more than an hour behind).
        clock.Now = seededAt;

        var cutoff = Today(aData).AddDays(-15);
        var expectedPurged = aData.Calls.Concat(bData.Calls).Count(c => c.State.IsTerminal() && c.CreatedAt < cutoff);
        Assert.True(expectedPurged > 100, "the data must put many calls beyond the window");
        Assert.Equal(expectedPurged, purged);
        var (rawOld, openOld, orphanEvents, aggregated) = await factory.QueryDbAsync(async db => (
            await db.Calls.CountAsync(c => c.CreatedAt < cutoff && c.State != CallState.Queued && c.State != CallState.InProgress),
            await db.Calls.CountAsync(c => c.CreatedAt < cutoff),
            await db.CallEvents.CountAsync(e => !db.Calls.Any(c => c.Id == e.CallId)),
            await db.CallDailyAggregates.SumAsync(x => x.Totals.TotalCalls)));
        Assert.Equal(0, rawOld);
        Assert.Equal(aData.Calls.Concat(bData.Calls).Count(c => !c.State.IsTerminal() && c.CreatedAt < cutoff), openOld);
        Assert.True(openOld > 0, "queued and active calls on old days stay");
        Assert.Equal(0, orphanEvents);
        Assert.Equal(expectedPurged, aggregated);
        Assert.Equal(await factory.QueryDbAsync(db => db.CampaignDailyAggregates.SumAsync(x => x.Totals.TotalCalls)),
            aData.Calls.Concat(bData.Calls).Count(c => c.State.IsTerminal() && c.CreatedAt < cutoff && c.CampaignId is not null));
        AssertFiguresMatch(await SnapshotAsync(a.Client, range), aData, clock);

        // The other workspace's reports are its own, after retention as before.
        var other = await SnapshotAsync(b.Client, range);
        AssertFiguresMatch(other, bData, clock);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task FinishedDaysAreReadFromSummariesThatFollowEveryChangeToTheirCalls(DatabaseKind kind)
    {
        var (factory, clock, a, _, aData, _) = await SeedTwoWorkspacesAsync(kind);
        var range = Range(clock);
        AssertFiguresMatch(await SnapshotAsync(a.Client, range), aData, clock);
        var today = DateOnly.FromDateTime(Today(aData));
        var summarisedDays = await factory.QueryDbAsync(db => db.Database
            .SqlQuery<int>($"SELECT COUNT(DISTINCT day) AS \"Value\" FROM call_day_summaries WHERE workspace_id = {a.Id}").SingleAsync());
        Assert.Equal(15, summarisedDays); // the finished days of the retention window (nothing rolled up yet); today stays raw

        // A change of each kind on days that are summarised by now: an update, an insert and a delete.
        var changed = aData.Calls.First(c => c.State == CallState.Completed && DateOnly.FromDateTime(c.CreatedAt) == today.AddDays(-5));
        var removed = aData.Calls.First(c => c.State == CallState.Busy && DateOnly.FromDateTime(c.CreatedAt) == today.AddDays(-7));
        var added = new Call
        {
            Id = Guid.NewGuid(), WorkspaceId = a.Id, AgentId = "agent_a2", AgentPhoneNumberId = "phnum_test", ToNumber = "+15550009999",
            State = CallState.Completed, CreatedAt = changed.CreatedAt.AddDays(2), UpdatedAt = changed.CreatedAt.AddDays(2),
            EndedAt = changed.CreatedAt.AddDays(2).AddMinutes(3), DurationSecs = 125, Attempts = 1, GateMode = GateMode.Direct,
        };
        await factory.QueryDbAsync(async db =>
        {
            await db.Calls.Where(c => c.Id == changed.Id).ExecuteUpdateAsync(u => u.SetProperty(c => c.DurationSecs, c => c.DurationSecs + 600));
            await db.Calls.Where(c => c.Id == removed.Id).ExecuteDeleteAsync();
            db.Calls.Add(added);
            return await db.SaveChangesAsync();
        });
        changed.DurationSecs += 600;
        aData.Calls.Remove(removed);
        aData.Calls.Add(added);

        AssertFiguresMatch(await SnapshotAsync(a.Client, range), aData, clock);
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task AFailureBetweenRollUpAndDeleteNeitherLosesNorDoublesACount(DatabaseKind kind)
    {
        var (factory, clock, a, _, aData, bData) = await SeedTwoWorkspacesAsync(kind);
        var range = Range(clock);
        var before = await SnapshotAsync(a.Client, range);
        var faults = new RetentionFaults();
        var runner = Runner(factory, clock, faults);
        var rolledUp = new List<DateOnly>();
        faults.AfterRollUp = day =>
        {
            rolledUp.Add(day);
            // The first day goes through; the second "crashes" after its roll-up, before its delete.
            return rolledUp.Count == 2 ? throw new InvalidOperationException("simulated crash") : Task.CompletedTask;
        };

        await Assert.ThrowsAsync<InvalidOperationException>(() => runner.RunAsync(CancellationToken.None));
        Assert.Equal(2, rolledUp.Count);
        AssertSameReports(before, await SnapshotAsync(a.Client, range));
        var all = aData.Calls.Concat(bData.Calls).ToList();
        var firstDay = all.Count(c => c.State.IsTerminal() && DateOnly.FromDateTime(c.CreatedAt) == rolledUp[0]);
        var secondDay = all.Count(c => c.State.IsTerminal() && DateOnly.FromDateTime(c.CreatedAt) == rolledUp[1]);
        Assert.True(firstDay > 0 && secondDay > 0);
        var afterCrash = await factory.QueryDbAsync(async db => (
            await db.CallDailyAggregates.SumAsync(x => x.Totals.TotalCalls),
            await db.Calls.CountAsync(c => DateOnly.FromDateTime(c.CreatedAt) == rolledUp[1] && c.State != CallState.Queued && c.State != CallState.InProgress)));
        Assert.Equal((firstDay, secondDay), afterCrash);

        faults.AfterRollUp = null;
        await runner.RunAsync(CancellationToken.None);
        AssertSameReports(before, await SnapshotAsync(a.Client, range));
        var cutoff = Today(aData).AddDays(-15);
        Assert.Equal(all.Count(c => c.State.IsTerminal() && c.CreatedAt < cutoff),
            await factory.QueryDbAsync(db => db.CallDailyAggregates.SumAsync(x => x.Totals.TotalCalls)));
    }

    [Theory]
    [MemberData(nameof(Databases.Both), MemberType = typeof(Databases))]
    public async Task AnotherWorkspacesCallsNeverAppear(DatabaseKind kind)
    {
        var (factory, clock, a, b, aData, bData) = await SeedTwoWorkspacesAsync(kind);
        await Runner(factory, clock, new RetentionFaults()).RunAsync(CancellationToken.None);
        var range = Range(clock);

        // Both workspaces use a campaign named "spring"; each sees only its own calls in it.
        foreach (var (workspace, data) in new[] { (a, aData), (b, bData) })
        {
            var report = JsonNode.Parse(await GetOkAsync(workspace.Client, $"/calls/report?groupBy=campaign&{range}"))!;
            var spring = report["rows"]!.AsArray().Single(r => (string)r!["key"]! == "spring")!;
            Assert.Equal(data.Calls.Count(c => c.CampaignId == "spring"), (int)spring["totalCalls"]!);
            var agents = JsonNode.Parse(await GetOkAsync(workspace.Client, $"/calls/report?groupBy=agent&{range}"))!["rows"]!.AsArray()
                .Select(r => (string)r!["key"]!).ToHashSet();
            Assert.Equal(data.Calls.Select(c => c.AgentId).ToHashSet(), agents);
        }

        // A workspace key naming the other workspace is refused, and the admin sees only the one it names.
        var refused = await a.Client.GetAsync($"/calls/usage?workspaceId={b.Id}&{range}");
        Assert.NotEqual(HttpStatusCode.OK, refused.StatusCode);
        using var admin = factory.CreateAdminClient();
        var asAdmin = JsonNode.Parse(await GetOkAsync(admin, $"/calls/usage?workspaceId={b.Id}&{range}"))!;
        Assert.Equal(bData.Calls.Count, (int)asAdmin["totalCalls"]!);
    }

    [Fact]
    public async Task ReportsAndCallListsAnswerCsvAndRefuseBadQueries()
    {
        var (factory, clock, a, _, aData, _) = await SeedTwoWorkspacesAsync(DatabaseKind.Sqlite);
        var range = Range(clock);

        var csv = await a.Client.GetAsync($"/calls/report?groupBy=status&format=csv&{range}");
        await csv.AssertStatusAsync(HttpStatusCode.OK);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var lines = (await csv.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("status,totalCalls,completedCalls,totalMinutes,averageDuration", lines[0]);
        Assert.Contains(lines, l => l.StartsWith($"completed,{aData.Calls.Count(c => c.State == CallState.Completed)},", StringComparison.Ordinal));

        using var request = new HttpRequestMessage(HttpMethod.Get, "/calls?limit=5");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/csv"));
        var list = await a.Client.SendAsync(request);
        await list.AssertStatusAsync(HttpStatusCode.OK);
        var listLines = (await list.Content.ReadAsStringAsync()).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        Assert.StartsWith("id,workspaceId,campaignId,", listLines[0], StringComparison.Ordinal);
        Assert.Equal(6, listLines.Length);
        Assert.All(listLines.Skip(1), l => Assert.Contains(a.Id, l, StringComparison.Ordinal));

        await (await a.Client.GetAsync("/calls/report?groupBy=weather")).AssertValidationProblemAsync("groupBy");
        await (await a.Client.GetAsync("/calls/usage?from=2026-02-10&to=2026-02-01")).AssertValidationProblemAsync("from");
        await (await a.Client.GetAsync("/calls/amd-stats?to=yesterday")).AssertValidationProblemAsync("to");
        await (await a.Client.GetAsync("/calls/campaign-dashboard")).AssertValidationProblemAsync("campaignId");
        await (await a.Client.GetAsync("/calls/campaign-dashboard?campaignId=nope")).AssertProblemAsync(HttpStatusCode.NotFound);
        Assert.Equal(HttpStatusCode.Unauthorized, (await factory.CreateClient().GetAsync("/calls/report")).StatusCode);
    }

    [Fact]
    public async Task StartUpCatchesUpOnMissedDays()
    {
        var (factory, _, _, _, aData, bData) = await SeedTwoWorkspacesAsync(DatabaseKind.Sqlite);
        // The calls were written while no retention was due; a service starting now finds the old days.
        await using var restarted = factory.WithWebHostBuilder(_ => { });
        restarted.CreateClient().Dispose();
        await restarted.Services.GetRequiredService<RetentionService>().CatchUp.WaitAsync(TimeSpan.FromMinutes(2));
        var cutoff = Today(aData).AddDays(-15);
        var expected = aData.Calls.Concat(bData.Calls).Count(c => c.State.IsTerminal() && c.CreatedAt < cutoff);
        Assert.True(expected > 0);
        Assert.Equal(expected, await factory.QueryDbAsync(db => db.CallDailyAggregates.SumAsync(x => x.Totals.TotalCalls)));
    }

    [Fact]
    public async Task RetentionCommandPurgesAndReports()
    {
        var (factory, clock, _, _, aData, bData) = await SeedTwoWorkspacesAsync(DatabaseKind.Sqlite);
        var output = new StringWriter();
        var exit = await RetentionCommand.RunAsync(factory.Services, ["run"], output);
        Assert.Equal(0, exit);
        // The service's own clock is the real one; the data's "today" is today, so the cutoff is the same.
        var cutoff = Today(aData).AddDays(-15);
        var expected = aData.Calls.Concat(bData.Calls).Count(c => c.State.IsTerminal() && c.CreatedAt < cutoff);
        Assert.Contains($"{expected} call(s) purged", output.ToString(), StringComparison.Ordinal);
        Assert.Equal(64, await RetentionCommand.RunAsync(factory.Services, [], new StringWriter()));
        _ = clock;
    }

    private async Task<(OrchestratorFactory Factory, ManualClock Clock, TestWorkspace A, TestWorkspace B, ReportingData AData, ReportingData BData)>
        SeedTwoWorkspacesAsync(DatabaseKind kind)
    {
        var factory = await StartApiAsync(kind, Prices);
        // Now, as the service's own (real) clock has it, so that both agree on today and the calls that "just ended" count in
        // its current rate, whatever the time of day; but at least 01:00, so that the hour of today's calls stays within today.
        var realNow = DateTime.UtcNow;
        var clock = new ManualClock(new DateTimeOffset(realNow.TimeOfDay < TimeSpan.FromHours(1) ? realNow.Date.AddHours(1) : realNow, TimeSpan.Zero));
        var a = await factory.CreateWorkspaceAsync("Acme", "agent_a1");
        var b = await factory.CreateWorkspaceAsync("Other", "agent_b1");
        var now = clock.GetUtcNow().UtcDateTime;
        var aData = await ReportingData.InsertAsync(factory, a.Id, ["agent_a1", "agent_a2"], now, seed: 1);
        var bData = await ReportingData.InsertAsync(factory, b.Id, ["agent_b1"], now, seed: 2, durationScale: 7);
        return (factory, clock, a, b, aData, bData);
    }

    private static RetentionRunner Runner(OrchestratorFactory factory, TimeProvider clock, RetentionFaults faults) => new(
        factory.Services.GetRequiredService<IServiceScopeFactory>(), clock, factory.Services.GetRequiredService<IOptions<OrchestratorOptions>>(),
        faults, factory.Services.GetRequiredService<SqliteWriteGate>(), NullLogger<RetentionRunner>.Instance);

    private static DateTime Today(ReportingData data) => data.Calls.Max(c => c.CreatedAt).Date;

    private static string Range(ManualClock clock)
    {
        var today = clock.GetUtcNow().UtcDateTime.Date;
        return $"from={today.AddDays(-29):yyyy-MM-dd}&to={today:yyyy-MM-dd}";
    }

    /// <summary>Every report over the range, as the JSON it answered (minus the wall-clock ETA instant).</summary>
    private static async Task<Dictionary<string, string>> SnapshotAsync(HttpClient client, string range)
    {
        string[] paths =
        [
            "/calls/report?groupBy=day", "/calls/report?groupBy=agent", "/calls/report?groupBy=campaign", "/calls/report?groupBy=status",
            "/calls/report?groupBy=day&campaignId=spring&agentId=agent_a2", "/calls/report?groupBy=status&campaignId=autumn",
            "/calls/usage", "/calls/usage?agentId=agent_a1", "/calls/amd-stats", "/calls/amd-stats?campaignId=spring", "/calls/cost-analysis",
            "/calls/cost-analysis?agentId=agent_a2&campaignId=autumn", "/calls/quality-metrics", "/calls/quality-metrics?campaignId=spring",
            "/calls/workspace-overview", "/calls/campaign-dashboard?campaignId=spring", "/calls/report?groupBy=agent&format=csv",
        ];
        var snapshot = new Dictionary<string, string>();
        foreach (var path in paths)
        {
            var body = await GetOkAsync(client, path + (path.Contains('?', StringComparison.Ordinal) ? "&" : "?") + range);
            if (path.Contains("dashboard", StringComparison.Ordinal) || path.Contains("overview", StringComparison.Ordinal))
            {
                var node = JsonNode.Parse(body)!;
                node["progress"]!.AsObject().Remove("estimatedCompletionAt");
                body = node.ToJsonString();
            }

            snapshot[path] = body;
        }

        return snapshot;
    }

    private static void AssertSameReports(Dictionary<string, string> expected, Dictionary<string, string> actual)
    {
        foreach (var (path, body) in expected)
        {
            Assert.True(body == actual[path], $"{path} changed:\n  was {body}\n  now {actual[path]}");
        }
    }

    private static int falsePositivesOf(List<Call> calls) => calls.Count(c => c.AnsweredBy == "human" && c.State == CallState.MachineDetected);

    /// <summary>Money is shown to 4 decimals; a sum taken in another order may land one unit of the last digit away.</summary>
    private static void AssertMoney(double expected, JsonNode? actual) =>
        Assert.InRange(Math.Abs(expected - (double)actual!), 0, 0.000101);

    private static async Task<string> GetOkAsync(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        await response.AssertStatusAsync(HttpStatusCode.OK);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>The figures the reports show, recomputed here from the calls as inserted.</summary>
    private static void AssertFiguresMatch(Dictionary<string, string> snapshot, ReportingData data, ManualClock clock)
    {
        var calls = data.Calls;
        var usage = JsonNode.Parse(snapshot["/calls/usage"])!;
        Assert.Equal(calls.Count, (int)usage["totalCalls"]!);
        Assert.Equal(Math.Round(calls.Sum(c => c.DurationSecs ?? 0) / 60.0, 2), (double)usage["totalMinutes"]!);
        Assert.Equal(calls.Sum(c => ((c.DurationSecs ?? 0) + 59) / 60), (double)usage["billableMinutes"]!);
        Assert.Equal(30, usage["days"]!.AsArray().Count);

        var amd = JsonNode.Parse(snapshot["/calls/amd-stats"])!;
        Assert.Equal(calls.Count(c => c.AnsweredBy == "human"), (int)amd["amdStats"]!["human"]!);
        Assert.Equal(calls.Count(c => c.AnsweredBy?.StartsWith("machine", StringComparison.Ordinal) == true), (int)amd["amdStats"]!["machine"]!);
        Assert.Equal(calls.Count(c => c.AnsweredBy == "unknown"), (int)amd["amdStats"]!["unknown"]!);
        Assert.True((int)amd["amdStats"]!["machine"]! > 0 && falsePositivesOf(calls) > 0, "the data must have machines and false positives");
        var falsePositives = calls.Count(c => c.AnsweredBy == "human" && c.State == CallState.MachineDetected);
        Assert.Equal(Math.Round(100.0 * falsePositives / calls.Count(c => c.AnsweredBy == "human"), 2), (double)amd["amdEfficiency"]!["falsePositiveRate"]!);
        AssertMoney(calls.Count(c => c.AnsweredBy?.StartsWith("machine", StringComparison.Ordinal) == true) * 0.5 * (0.015625 + 0.125),
            amd["costSavings"]!["estimatedSavings"]);

        var cost = JsonNode.Parse(snapshot["/calls/cost-analysis"])!;
        var twilio = calls.Sum(c => c.CostTwilio ?? ((c.SipTrunkUsed ? 0 : ((c.DurationSecs ?? 0) + 59) / 60 * 0.015625) + (c.AnsweredBy is null ? 0 : 0.0078125)));
        var elevenLabs = calls.Sum(c => c.CostElevenLabs ?? (c.AnsweredBy?.StartsWith("machine", StringComparison.Ordinal) == true ? 0 : (c.DurationSecs ?? 0) * 0.125 / 60));
        AssertMoney(twilio, cost["costBreakdown"]!["twilio"]);
        AssertMoney(elevenLabs, cost["costBreakdown"]!["elevenLabs"]);

        var quality = JsonNode.Parse(snapshot["/calls/quality-metrics"])!;
        var measured = calls.Count(c => c.MosScore is not null || c.Jitter is not null);
        Assert.Equal(measured, (int)quality["callsWithMetrics"]!);
        Assert.Equal(calls.Count(c => c.State.IsTerminal()) - measured, (int)quality["callsWithoutMetrics"]!);
        Assert.Equal(Math.Round(calls.Where(c => c.MosScore is not null).Average(c => c.MosScore!.Value), 2), (double)quality["technicalMetrics"]!["averageMOS"]!);

        var overview = JsonNode.Parse(snapshot["/calls/workspace-overview"])!;
        Assert.Equal(calls.Count(c => c.State == CallState.Queued), (int)overview["progress"]!["queued"]!);
        Assert.Equal(calls.Count(c => c.State == CallState.InProgress), (int)overview["progress"]!["active"]!);
        var now = clock.GetUtcNow().UtcDateTime;
        Assert.True((double)overview["progress"]!["callsPerMinute"]! > 0);
        Assert.True(calls.Count(c => c.EndedAt >= now.AddHours(-1)) > 0);
    }
}
