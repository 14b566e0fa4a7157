using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using VoiceOrchestrator.Bench.Infrastructure;
using VoiceOrchestrator.Bench.Reporting;

namespace VoiceOrchestrator.Bench.Scenarios;

/// <summary>
/// What operating the service costs with a full queue: a <c>GET /metrics</c> scrape that reads the
/// database counts afresh, one served from the 2-second cache, and the time from SIGTERM to exit.
/// </summary>
internal sealed class OperationsScenario : IScenario
{
    private const string PhoneNumberId = "phnum_bench";
    private const string AgentId = "agent_bench";

    public string Name => "operations";

    public string Summary => "With N queued calls: /metrics scrape time (fresh database read and cached), and SIGTERM-to-exit time.";

    public IReadOnlyList<ScenarioOption> Options { get; } =
    [
        new("calls", "Calls queued (paused campaign) before scraping.", "100000"),
        new("scrapes", "Scrapes of each kind.", "5"),
    ];

    public async Task<ScenarioReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var calls = context.Int("calls", 100_000, 1, 1_000_000);
        var scrapes = context.Int("scrapes", 5, 1, 100);
        var results = new List<Result>();
        foreach (var kind in context.Databases)
        {
            results.Add(await RunOnAsync(kind, calls, scrapes, context, cancellationToken));
        }

        var table = new TextTable("database", "queued", "counted by /metrics", "fresh scrape (min / median / max)", "cached scrape (median)", "exposition", "SIGTERM to exit");
        table.RightAligned.UnionWith(Enumerable.Range(1, 6));
        var problems = new List<string>();
        foreach (var r in results)
        {
            table.Add(r.Database, N(calls), N(r.Counted), $"{Ms(r.Fresh.Min)} / {Ms(r.Fresh.Median)} / {Ms(r.Fresh.Max)}", Ms(r.Cached.Median),
                $"{r.Bytes / 1024.0:0.0} KiB", Ms(r.Stop.TotalMilliseconds));
            if (r.Counted != calls)
            {
                problems.Add($"{r.Database}: /metrics counted {r.Counted:N0} queued calls, {calls:N0} were queued");
            }
        }

        var console = new StringBuilder().AppendLine().AppendLine($"operations: {calls:N0} queued calls").AppendLine().Append(table.ToConsole());
        problems.ForEach(p => console.AppendLine("CHECK FAILED: " + p));
        var machine = context.Machine;
        var markdown = new StringBuilder()
            .AppendLine($"### operations: metrics scrape and shutdown with {calls:N0} queued calls")
            .AppendLine()
            .AppendLine($"- Date: {machine.Date:yyyy-MM-dd HH:mm} UTC" + (machine.Commit is null ? "" : $", commit {machine.Commit}"))
            .AppendLine($"- Machine: {machine.Cores} cores ({machine.CpuModel}), {machine.Memory} RAM, {machine.OperatingSystem}")
            .AppendLine($"- Command: `{context.CommandLine}`")
            .AppendLine("- Method: one bulk into a paused campaign, then scrapes over loopback. A fresh scrape waits more than the 2 s cache " +
                "so that it reads `calls` grouped by workspace and state, and queued calls by lane and priority; a cached one follows at once. " +
                "SIGTERM to exit = the process's stop with an idle dispatcher (no dial in flight).")
            .AppendLine()
            .Append(table.ToMarkdown());
        problems.ForEach(p => markdown.AppendLine().AppendLine("**Check failed:** " + p));
        return new ScenarioReport(console.ToString(), markdown.ToString(), problems.Count == 0);
    }

    private static async Task<Result> RunOnAsync(DatabaseKind kind, int calls, int scrapes, BenchContext context, CancellationToken cancellationToken)
    {
        await using var database = await BenchDatabase.CreateAsync(kind, cancellationToken);
        BenchContext.Log($"{database.Name}: starting the service");
        var service = await ServiceProcess.StartAsync(context.ServiceAssembly, database.DatabaseUrl, context.ServiceEnvironment, cancellationToken);
        try
        {
            using var client = new ServiceClient(service.BaseAddress, TimeSpan.FromMinutes(5));
            await client.SetUpWorkspaceAsync(PhoneNumberId, AgentId, cancellationToken);
            await client.CreatePausedCampaignAsync("bench-ops", 100, cancellationToken);
            var queued = await client.PostTimedAsync("calls/bulk", IntakeScenario.BuildBody("bench-ops", calls, 0), cancellationToken);
            if (queued.Status != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"POST /calls/bulk answered {(int)queued.Status}: {ServiceClient.Truncate(queued.Body)}");
            }

            using var http = new HttpClient { BaseAddress = service.BaseAddress, Timeout = TimeSpan.FromMinutes(1) };
            var fresh = new List<double>();
            var cached = new List<double>();
            string exposition = "";
            for (var i = 0; i < scrapes; i++)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(2_200), cancellationToken);
                (exposition, var freshMs) = await ScrapeAsync(http, cancellationToken);
                fresh.Add(freshMs);
                cached.Add((await ScrapeAsync(http, cancellationToken)).Ms);
            }

            BenchContext.Log($"{database.Name}: fresh scrape median {MinMedianMax.Of(fresh).Median:N0} ms");
            var counted = exposition.Split('\n')
                .Where(l => l.StartsWith("orchestrator_calls{", StringComparison.Ordinal) && l.Contains("state=\"queued\"", StringComparison.Ordinal))
                .Sum(l => long.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture));
            var stop = Stopwatch.StartNew();
            await service.DisposeAsync();
            stop.Stop();
            return new Result(database.Name, counted, MinMedianMax.Of(fresh), MinMedianMax.Of(cached), Encoding.UTF8.GetByteCount(exposition), stop.Elapsed);
        }
        finally
        {
            await service.DisposeAsync();
        }
    }

    private static async Task<(string Text, double Ms)> ScrapeAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var text = await http.GetStringAsync("metrics", cancellationToken);
        return (text, clock.Elapsed.TotalMilliseconds);
    }

    private static string Ms(double ms) => ms.ToString("N0", CultureInfo.InvariantCulture) + " ms";

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private sealed record Result(string Database, long Counted, MinMedianMax Fresh, MinMedianMax Cached, int Bytes, TimeSpan Stop);
}
