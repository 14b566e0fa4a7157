using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using VoiceOrchestrator.Bench.Infrastructure;
using VoiceOrchestrator.Bench.Reporting;

namespace VoiceOrchestrator.Bench.Scenarios;

/// <summary>
/// The reporting targets: with N calls a day over D days, the older half rolled up by retention and
/// the rest raw, <c>GET /calls/workspace-overview</c> and <c>GET /calls/report?groupBy=day</c> over the
/// whole range answer within 100 ms at p95, and retention moves one day of N calls in 10 s or less.
/// Calls are written straight into the database in bulk SQL (one statement per day), as the service
/// leaves finished calls; retention is the service's own <c>retention run</c> command.
/// </summary>
internal sealed partial class ReportsScenario : IScenario
{
    private const string PhoneNumberId = "phnum_bench";
    private const string AgentId = "agent_bench";

    public string Name => "reports";

    public string Summary => "D days × N calls, older half rolled up: p95 of workspace-overview and report?groupBy=day (≤ 100 ms), retention of one day (≤ 10 s).";

    public IReadOnlyList<ScenarioOption> Options { get; } =
    [
        new("calls", "Calls per day.", "100000"),
        new("days", "Days of calls, ending yesterday.", "30"),
        new("raw-days", "RETENTION_DAYS: the days kept raw; retention rolls up the rest.", "15"),
        new("requests", "Measured requests per route.", "50"),
        new("events-per-call", "call_events rows written per call (0-2).", "2"),
        new("target-ms", "Target for the p95 of each route, in milliseconds.", "100"),
        new("retention-target-ms", "Target for the retention of one day, in milliseconds.", "10000"),
    ];

    public async Task<ScenarioReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = new Settings(
            Calls: context.Int("calls", 100_000, 1, 1_000_000),
            Days: context.Int("days", 30, 2, 400),
            RawDays: context.Int("raw-days", 15, 1, 399),
            Requests: context.Int("requests", 50, 1, 10_000),
            EventsPerCall: context.Int("events-per-call", 2, 0, 2),
            Target: context.Int("target-ms", 100, 1, 600_000),
            RetentionTarget: context.Int("retention-target-ms", 10_000, 1, 3_600_000));
        if (settings.RawDays >= settings.Days)
        {
            throw new UsageException("raw-days must be fewer than days, or nothing is rolled up.");
        }

        var results = new List<Result>();
        foreach (var kind in context.Databases)
        {
            results.Add(await RunOnAsync(kind, settings, context, cancellationToken));
        }

        return Report(results, settings, context);
    }

    private static async Task<Result> RunOnAsync(DatabaseKind kind, Settings settings, BenchContext context, CancellationToken cancellationToken)
    {
        BenchContext.Log($"{kind}: preparing a fresh database");
        await using var database = await BenchDatabase.CreateAsync(kind, cancellationToken);
        var environment = new Dictionary<string, string>(context.ServiceEnvironment) { ["RETENTION_DAYS"] = settings.RawDays.ToString(CultureInfo.InvariantCulture) };
        await using var service = await ServiceProcess.StartAsync(context.ServiceAssembly, database.DatabaseUrl, environment, cancellationToken);
        service.KeepLogAs = context.ServiceLogFile("reports", kind.ToString().ToLowerInvariant());
        using var client = new ServiceClient(service.BaseAddress, TimeSpan.FromMinutes(5));
        try
        {
            await client.SetUpWorkspaceAsync(PhoneNumberId, AgentId, cancellationToken);
            var workspaceId = await database.TextAsync("SELECT id FROM workspaces", cancellationToken);
            var today = DateTime.UtcNow.Date;
            var generation = Stopwatch.StartNew();
            for (var day = 1; day <= settings.Days; day++)
            {
                var start = today.AddDays(-day);
                await InsertDayAsync(database, workspaceId, start, settings, cancellationToken);
                BenchContext.Log($"{database.Name}: {start:yyyy-MM-dd}: {settings.Calls:N0} calls written ({generation.Elapsed.TotalSeconds:0} s so far)");
            }

            BenchContext.Log($"{database.Name}: running `retention run` (RETENTION_DAYS={settings.RawDays})");
            var retentionLoad = ProcStat.LoadAverage();
            var retention = await RunRetentionAsync(context, database, settings, cancellationToken) with { LoadBefore = retentionLoad };
            var rawCalls = await database.ScalarAsync("SELECT count(*) FROM calls", null, cancellationToken);
            var aggregated = await database.ScalarAsync("SELECT COALESCE(SUM(total_calls), 0) FROM call_daily_aggregates", null, cancellationToken);

            var range = $"from={today.AddDays(-settings.Days):yyyy-MM-dd}&to={today.AddDays(-1):yyyy-MM-dd}";
            var overview = await client.GetJsonAsync($"calls/workspace-overview?{range}", cancellationToken);
            var reported = overview["totalCalls"]?.GetValue<int>() ?? -1;
            var routes = new List<RouteTiming>();
            foreach (var (label, path) in new[] { ("workspace-overview", $"calls/workspace-overview?{range}"), ("report?groupBy=day", $"calls/report?groupBy=day&{range}") })
            {
                for (var i = 0; i < 3; i++)
                {
                    await client.GetTimedAsync(path, cancellationToken);
                }

                var load = ProcStat.LoadAverage();
                var times = new List<double>();
                for (var i = 0; i < settings.Requests; i++)
                {
                    times.Add((await client.GetTimedAsync(path, cancellationToken)).TotalMilliseconds);
                }

                times.Sort();
                routes.Add(new RouteTiming(label, times.ToArray(), load));
                BenchContext.Log($"{database.Name}: {routes[^1].Route}: p50 {Percentile(times, 0.5):0.0} ms, p95 {Percentile(times, 0.95):0.0} ms");
            }

            return new Result(database.Name, retention, rawCalls, aggregated, reported, routes, await database.DescribeAsync(cancellationToken));
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"{database.Name}: {e.Message}\n--- service log (tail) ---\n{service.LogTail()}", e);
        }
    }

    private static async Task InsertDayAsync(BenchDatabase database, string workspaceId, DateTime start, Settings settings, CancellationToken cancellationToken)
    {
        var postgres = database.Kind == DatabaseKind.Postgres;
        var state = "CASE i % 10 WHEN 4 THEN 'busy' WHEN 5 THEN 'no_answer' WHEN 6 THEN 'machine_detected' WHEN 7 THEN 'failed' WHEN 9 THEN 'cancelled' ELSE 'completed' END";
        var columns = """
            id, workspace_id, campaign_id, lane, priority, source, agent_id, agent_phone_number_id, to_number, gate_mode,
            enable_machine_detection, machine_detection_timeout, concurrency, state, attempts, max_attempts,
            created_at, updated_at, dialed_at, answered_at, ended_at, duration_secs, amd_status, answered_by,
            sip_trunk_used, cost_eleven_labs, jitter, packet_loss, mos_score
            """;
        var values = $"""
            'campaign_' || (i % 5), 1, 0, 'bulk', 'agent_' || (i % 4), '{PhoneNumberId}', '+1555' || substr('0000000' || i, -7, 7),
            CASE WHEN i % 2 = 0 THEN 'twilio_amd_bridge' ELSE 'direct' END, {(postgres ? "true" : "1")}, 6, 50, {state}, 1, 3,
            t, t, t, t, t_end, CASE WHEN i % 10 IN (0, 1, 2, 3, 8) THEN 30 + i % 270 WHEN i % 10 = 6 THEN 20 END,
            CASE WHEN i % 2 = 0 THEN 'completed' END,
            CASE WHEN i % 2 = 0 THEN CASE WHEN i % 10 = 6 THEN 'machine_start' WHEN i % 10 IN (0, 2, 8) THEN 'human' ELSE 'unknown' END END,
            {(postgres ? "false" : "0")}, CASE WHEN i % 3 = 0 THEN 0.05 END,
            CASE WHEN i % 4 = 0 THEN i % 40 END, CASE WHEN i % 4 = 0 THEN i % 6 END, CASE WHEN i % 8 = 0 THEN 3.0 + (i % 15) / 10.0 END
            """;
        // Ids are time-ordered version 7 UUIDs, as the service gives calls (CallIds), so that a day's
        // calls lie together in the primary key as they would in production.
        var sql = postgres
            ? $"""
                INSERT INTO calls ({columns})
                SELECT (lpad(to_hex((extract(epoch FROM t) * 1000)::bigint), 12, '0') || '7' || substr(h, 1, 3) || '8' || substr(h, 4, 15))::uuid, @ws, {values}
                FROM (SELECT i, md5(random()::text) AS h, @start + (i * 86400.0 / @n) * interval '1 second' AS t,
                             @start + (i * 86400.0 / @n + 120) * interval '1 second' AS t_end
                      FROM generate_series(0, @n - 1) AS i) AS g
                """
            : $"""
                WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < @n)
                INSERT INTO calls ({columns})
                SELECT substr(ms, 1, 8) || '-' || substr(ms, 9, 4) || '-7' || substr(h, 1, 3) || '-8' || substr(h, 4, 3) || '-' || substr(h, 7, 12),
                       @ws, {values}
                FROM (SELECT i, hex(randomblob(16)) AS h, printf('%012X', CAST((@epoch + i * 86400.0 / @n) * 1000 AS INTEGER)) AS ms,
                             strftime('%Y-%m-%d %H:%M:%f', @epoch + i * 86400.0 / @n, 'unixepoch') AS t,
                             strftime('%Y-%m-%d %H:%M:%f', @epoch + i * 86400.0 / @n + 120, 'unixepoch') AS t_end
                      FROM seq)
                """;
        var parameters = new Dictionary<string, object>
        {
            ["ws"] = workspaceId,
            ["n"] = settings.Calls,
            ["start"] = DateTime.SpecifyKind(start, DateTimeKind.Utc),
            ["end"] = DateTime.SpecifyKind(start.AddDays(1), DateTimeKind.Utc),
            ["epoch"] = new DateTimeOffset(start, TimeSpan.Zero).ToUnixTimeSeconds(),
        };
        if (postgres)
        {
            parameters.Remove("epoch");
        }

        await database.ExecuteAsync(sql, postgres ? Only(parameters, "ws", "n", "start") : Only(parameters, "ws", "n", "epoch"), cancellationToken);
        // The day's bounds in the form each database stores created_at in.
        var bounds = postgres ? "created_at >= @start AND created_at < @end"
            : "created_at >= strftime('%Y-%m-%d %H:%M:%f', @epoch, 'unixepoch') AND created_at < strftime('%Y-%m-%d %H:%M:%f', @epoch + 86400, 'unixepoch')";
        var boundParameters = postgres ? Only(parameters, "ws", "start", "end") : Only(parameters, "ws", "epoch");
        if (settings.EventsPerCall >= 1)
        {
            await database.ExecuteAsync(
                $"INSERT INTO call_events (call_id, from_state, to_state, reason, attempt, at) SELECT id, NULL, 'queued', 'accepted', 0, created_at FROM calls WHERE workspace_id = @ws AND {bounds}",
                boundParameters, cancellationToken);
        }

        if (settings.EventsPerCall >= 2)
        {
            await database.ExecuteAsync(
                $"INSERT INTO call_events (call_id, from_state, to_state, reason, attempt, at) SELECT id, 'in_progress', state, 'bench', 1, ended_at FROM calls WHERE workspace_id = @ws AND {bounds}",
                boundParameters, cancellationToken);
        }
    }

    private static Dictionary<string, object> Only(Dictionary<string, object> all, params string[] names) =>
        names.ToDictionary(n => n, n => all[n]);

    private static async Task<RetentionTiming> RunRetentionAsync(BenchContext context, BenchDatabase database, Settings settings, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(ServiceProcess.DotnetHost())
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.ArgumentList.Add(context.ServiceAssembly);
        startInfo.ArgumentList.Add("retention");
        startInfo.ArgumentList.Add("run");
        startInfo.Environment["DATABASE_URL"] = database.DatabaseUrl;
        startInfo.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        startInfo.Environment["ELEVENLABS_API_KEY"] = "bench";
        startInfo.Environment["ELEVENLABS_BASE_URL"] = "http://127.0.0.1:9";
        startInfo.Environment["LOG_LEVEL"] = "warn";
        startInfo.Environment["RETENTION_DAYS"] = settings.RawDays.ToString(CultureInfo.InvariantCulture);
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("retention run did not start.");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(30));
        await process.WaitForExitAsync(limit.Token);
        var text = await output + await errors;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"retention run exited with {process.ExitCode}:\n{ServiceClient.Truncate(text)}");
        }

        var days = DayLine().Matches(text).Select(m => (Calls: int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Ms: double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture))).ToList();
        BenchContext.Log($"{database.Name}: retention moved {days.Count} day(s) in {clock.Elapsed.TotalSeconds:0.0} s");
        return new RetentionTiming(days.Count, days.Sum(d => d.Calls), days.Select(d => d.Ms).ToArray(), clock.Elapsed, null);
    }

    [GeneratedRegex(@"rolled up and purged (\d+) call\(s\), (\d+) event\(s\) in (\d+) ms")]
    private static partial Regex DayLine();

    private static double Percentile(IReadOnlyList<double> sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    private static ScenarioReport Report(List<Result> results, Settings settings, BenchContext context)
    {
        var routes = new TextTable("database", "route", "requests", "p50", "p95", "max", "load before", $"target p95 ≤ {settings.Target} ms");
        var retention = new TextTable("database", "days rolled up", "calls moved", "one day: median", "one day: max", "whole run", "load before", $"target ≤ {settings.RetentionTarget / 1000.0:0.#} s");
        routes.RightAligned.UnionWith([2, 3, 4, 5, 6]);
        retention.RightAligned.UnionWith([1, 2, 3, 4, 5, 6]);
        var problems = new List<string>();
        var expectedTotal = (long)settings.Calls * settings.Days;
        foreach (var result in results)
        {
            foreach (var route in result.Routes)
            {
                var p95 = Percentile(route.Sorted, 0.95);
                routes.Add(result.Database, route.Route, route.Sorted.Length.ToString(CultureInfo.InvariantCulture), Ms(Percentile(route.Sorted, 0.5)), Ms(p95),
                    Ms(route.Sorted[^1]), Load(route.LoadBefore), p95 <= settings.Target ? "met" : $"missed ({p95 / settings.Target:0.0}×)");
            }

            var perDay = result.Retention.DayMs.OrderBy(x => x).ToArray();
            retention.Add(result.Database, result.Retention.Days.ToString(CultureInfo.InvariantCulture), result.Retention.Calls.ToString("N0", CultureInfo.InvariantCulture),
                perDay.Length > 0 ? Ms(Percentile(perDay, 0.5)) : "-", perDay.Length > 0 ? Ms(perDay[^1]) : "-",
                $"{result.Retention.Whole.TotalSeconds:0.0} s", Load(result.Retention.LoadBefore), perDay.Length > 0 && perDay[^1] <= settings.RetentionTarget ? "met" : "missed");
            var rolledDays = settings.Days - settings.RawDays;
            if (result.Retention.Days != rolledDays || result.Retention.Calls != (long)rolledDays * settings.Calls || result.Aggregated != (long)rolledDays * settings.Calls)
            {
                problems.Add($"{result.Database}: expected {rolledDays} days and {(long)rolledDays * settings.Calls:N0} calls rolled up; retention reported {result.Retention.Days} days, " +
                    $"{result.Retention.Calls:N0} calls, aggregates hold {result.Aggregated:N0}");
            }

            if (result.ReportedTotal != expectedTotal || result.RawCalls + result.Aggregated != expectedTotal)
            {
                problems.Add($"{result.Database}: {expectedTotal:N0} calls written; overview reports {result.ReportedTotal:N0}, raw {result.RawCalls:N0} + rolled up {result.Aggregated:N0}");
            }
        }

        var title = $"reports: {settings.Days} days × {settings.Calls:N0} calls, {settings.RawDays} days raw";
        var console = new StringBuilder().AppendLine().AppendLine(title).AppendLine().Append(routes.ToConsole()).AppendLine().Append(retention.ToConsole());
        problems.ForEach(p => console.AppendLine("CHECK FAILED: " + p));
        var machine = context.Machine;
        var markdown = new StringBuilder()
            .AppendLine($"### reports: {settings.Days} days × {settings.Calls:N0} calls, {settings.RawDays} days raw, the rest rolled up")
            .AppendLine()
            .AppendLine($"- Date: {machine.Date:yyyy-MM-dd HH:mm} UTC" + (machine.Commit is null ? "" : $", commit {machine.Commit}"))
            .AppendLine($"- Machine: {machine.Cores} cores ({machine.CpuModel}), {machine.Memory} RAM, {machine.OperatingSystem}")
            .AppendLine($"- Command: `{context.CommandLine}`")
            .AppendLine($"- Method: {settings.Days} days of {settings.Calls:N0} finished calls each (ending yesterday; {settings.EventsPerCall} call_events per call; time-ordered version 7 ids as the service gives) written by bulk SQL, " +
                $"then the service's `retention run` with `RETENTION_DAYS={settings.RawDays}` rolls up and purges the older days (one transaction per day; " +
                "\"one day\" is the time of one such transaction as the command reports it). Then, against the running service over loopback, " +
                $"one unmeasured overview (which computes the day summaries of the raw days: the service's own warm-up ran before the data existed), then " +
                $"3 unmeasured and {settings.Requests} measured sequential requests per route over the whole range (`from`/`to` dates). " +
                "Load before = the machine's 1-minute load average when the step started (2 cores; above 2, other processes competed).")
            .AppendLine()
            .Append(routes.ToMarkdown())
            .AppendLine()
            .Append(retention.ToMarkdown())
            .AppendLine()
            .AppendLine("Database settings:");
        foreach (var result in results)
        {
            markdown.AppendLine($"- {result.Database}: " + string.Join("; ", result.Settings));
        }

        problems.ForEach(p => markdown.AppendLine().AppendLine("**Check failed:** " + p));
        return new ScenarioReport(console.ToString(), markdown.ToString(), problems.Count == 0);
    }

    private static string Load(double? load) => load?.ToString("0.0", CultureInfo.InvariantCulture) ?? "-";

    private static string Ms(double ms) => ms.ToString(ms < 10 ? "0.0" : "N0", CultureInfo.InvariantCulture) + " ms";

    private sealed record Settings(int Calls, int Days, int RawDays, int Requests, int EventsPerCall, int Target, int RetentionTarget);

    private sealed record RouteTiming(string Route, double[] Sorted, double? LoadBefore);

    private sealed record RetentionTiming(int Days, long Calls, double[] DayMs, TimeSpan Whole, double? LoadBefore);

    private sealed record Result(
        string Database, RetentionTiming Retention, long RawCalls, long Aggregated, int ReportedTotal, List<RouteTiming> Routes, IReadOnlyList<string> Settings);
}
