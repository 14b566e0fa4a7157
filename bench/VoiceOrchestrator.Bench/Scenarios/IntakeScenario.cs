using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using VoiceOrchestrator.Bench.Infrastructure;
using VoiceOrchestrator.Bench.Reporting;

namespace VoiceOrchestrator.Bench.Scenarios;

/// <summary>
/// The issue's intake target: one <c>POST /calls/bulk</c> of 100,000 calls, timed from sending the
/// request to reading the 202, then the rows stored counted through the API and directly in SQL.
/// Target: under 2 s on each database.
/// </summary>
internal sealed class IntakeScenario : IScenario
{
    private const string PhoneNumberId = "phnum_bench";
    private const string AgentId = "agent_bench";
    private const int NumberSpace = 10_000_000; // +1555 followed by 7 digits
    private const int Concurrency = 100;

    public string Name => "intake";

    public string Summary => "POST one bulk of N calls; time to the 202 and rows stored (target < 2 s).";

    public IReadOnlyList<ScenarioOption> Options { get; } =
    [
        new("calls", "Calls per measured bulk.", "100000"),
        new("runs", "Measured bulks per database (each a new campaign with new numbers).", "3"),
        new("warmup", "Calls in the unmeasured warm-up bulk; 0 skips it.", "1000"),
        new("target-ms", "Target for the time to the 202, in milliseconds.", "2000"),
    ];

    public async Task<ScenarioReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var settings = new Settings(
            Calls: context.Int("calls", 100_000, 1, 1_000_000),
            Runs: context.Int("runs", 3, 1, 50),
            Warmup: context.Int("warmup", 1_000, 0, 100_000),
            Target: TimeSpan.FromMilliseconds(context.Int("target-ms", 2_000, 1, 600_000)));
        if (settings.Warmup + (long)settings.Runs * settings.Calls > NumberSpace)
        {
            throw new UsageException($"warmup + runs × calls must stay within {NumberSpace:N0} distinct numbers.");
        }

        var results = new List<DatabaseResult>();
        foreach (var kind in context.Databases)
        {
            results.Add(await RunOnAsync(kind, settings, context, cancellationToken));
        }

        return Report(results, settings, context);
    }

    private static async Task<DatabaseResult> RunOnAsync(DatabaseKind kind, Settings settings, BenchContext context, CancellationToken cancellationToken)
    {
        BenchContext.Log($"{kind}: preparing a fresh database");
        await using var database = await BenchDatabase.CreateAsync(kind, cancellationToken);
        BenchContext.Log($"{database.Name}: starting the service");
        await using var service = await ServiceProcess.StartAsync(context.ServiceAssembly, database.DatabaseUrl, context.ServiceEnvironment, cancellationToken);
        service.KeepLogAs = context.ServiceLogFile("intake", kind.ToString().ToLowerInvariant());
        // Bounded: a bulk that takes longer than this is far outside the target anyway.
        using var client = new ServiceClient(service.BaseAddress, TimeSpan.FromMinutes(5));
        try
        {
            await client.SetUpWorkspaceAsync(PhoneNumberId, AgentId, cancellationToken);
            if (settings.Warmup > 0)
            {
                var warmup = await PostBulkAsync(client, database, service, "bench-warmup", settings.Warmup, firstNumber: 0, cancellationToken);
                BenchContext.Log($"{database.Name}: warm-up bulk of {settings.Warmup:N0} took {warmup.Elapsed.TotalMilliseconds:N0} ms");
            }

            var runs = new List<RunResult>();
            for (var run = 1; run <= settings.Runs; run++)
            {
                var firstNumber = settings.Warmup + (run - 1) * settings.Calls;
                var result = await PostBulkAsync(client, database, service, $"bench-{run}", settings.Calls, firstNumber, cancellationToken);
                runs.Add(result);
                BenchContext.Log($"{database.Name}: run {run}/{settings.Runs}: 202 after {result.Elapsed.TotalMilliseconds:N0} ms, " +
                    $"accepted {result.Accepted:N0}, rows {result.RowsApi:N0} (API) / {result.RowsSql:N0} (SQL), service CPU {result.ServiceCpu.TotalMilliseconds:N0} ms" +
                    (result.DatabaseCpu is { } db ? $", database server CPU {db.TotalMilliseconds:N0} ms" : "") +
                    $", machine busy {result.BusyCores:0.0} of {Environment.ProcessorCount} cores");
            }

            return new DatabaseResult(database.Name, runs, await database.DescribeAsync(cancellationToken), service.PeakResidentBytes);
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"{database.Name}: {e.Message}\n--- service log (tail) ---\n{service.LogTail()}", e);
        }
    }

    private static async Task<RunResult> PostBulkAsync(
        ServiceClient client, BenchDatabase database, ServiceProcess service, string campaignId, int count, int firstNumber, CancellationToken cancellationToken)
    {
        await client.CreatePausedCampaignAsync(campaignId, Concurrency, cancellationToken);
        var body = BuildBody(campaignId, count, firstNumber);
        // Leave the client's garbage (the previous body) out of the measurement as far as we can.
        GC.Collect();
        GC.WaitForPendingFinalizers();

        var load = ProcStat.LoadAverage();
        var machineBefore = ProcStat.Machine();
        var serverBefore = database.ServerCpuTime;
        var cpuBefore = service.CpuTime;
        var response = await client.PostTimedAsync("calls/bulk", body, cancellationToken);
        var cpu = service.CpuTime - cpuBefore;
        var serverCpu = database.ServerCpuTime - serverBefore;
        var busyCores = ProcStat.Machine().BusyCoresSince(machineBefore);
        if (response.Status != HttpStatusCode.Accepted)
        {
            throw new InvalidOperationException($"POST /calls/bulk ({campaignId}) answered {(int)response.Status}, expected 202: {ServiceClient.Truncate(response.Body)}");
        }

        var answer = response.Json();
        var accepted = answer["accepted"]?.GetValue<int>() ?? -1;
        var apiTotal = (await client.GetJsonAsync($"calls?campaignId={campaignId}&limit=1", cancellationToken))["pagination"]?["total"]?.GetValue<int>() ?? -1;
        var rows = await database.ScalarAsync("SELECT count(*) FROM calls WHERE campaign_id = @p", campaignId, cancellationToken);
        var notQueued = await database.ScalarAsync("SELECT count(*) FROM calls WHERE campaign_id = @p AND state <> 'queued'", campaignId, cancellationToken);
        var events = await database.ScalarAsync(
            "SELECT count(*) FROM call_events WHERE call_id IN (SELECT id FROM calls WHERE campaign_id = @p)", campaignId, cancellationToken);
        return new RunResult(campaignId, count, body.Length, response.Elapsed, accepted, apiTotal, rows, events, cpu, serverCpu, busyCores, load, notQueued);
    }

    /// <summary>
    /// The request body, serialized before the clock starts: distinct numbers +1555XXXXXXX from
    /// <paramref name="firstNumber"/>, each with two dynamic variables.
    /// </summary>
    internal static byte[] BuildBody(string campaignId, int count, int firstNumber)
    {
        var buffer = new ArrayBufferWriter<byte>(count * 96 + 512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("campaignId", campaignId);
            json.WriteStartArray("agents");
            json.WriteStartObject();
            json.WriteString("agentId", AgentId);
            json.WriteString("agentPhoneNumberId", PhoneNumberId);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteNumber("concurrency", Concurrency);
            json.WriteStartArray("calls");
            for (var i = 0; i < count; i++)
            {
                var n = firstNumber + i;
                json.WriteStartObject();
                json.WriteString("toNumber", "+1555" + n.ToString("D7", CultureInfo.InvariantCulture));
                json.WriteStartObject("variables");
                json.WriteString("customerName", "Lead " + n.ToString(CultureInfo.InvariantCulture));
                json.WriteString("orderId", "A-" + n.ToString(CultureInfo.InvariantCulture));
                json.WriteEndObject();
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static ScenarioReport Report(List<DatabaseResult> results, Settings settings, BenchContext context)
    {
        var summary = new TextTable("database", "202 min", "202 median", "202 max", "accepted", "rows (API)", "rows (SQL)", "call_events (SQL)",
            "service CPU (median)", "DB server CPU (median)", $"target < {Seconds(settings.Target)}");
        var perRun = new TextTable("database", "campaign", "body", "time to 202", "calls/s", "accepted", "rows (API)", "rows (SQL)", "call_events",
            "service CPU", "DB server CPU", "machine busy", "load before");
        summary.RightAligned.UnionWith(Enumerable.Range(1, 9));
        perRun.RightAligned.UnionWith(Enumerable.Range(2, 11));
        var problems = new List<string>();
        foreach (var result in results)
        {
            var time = MinMedianMax.Of(result.Runs.Select(r => r.Elapsed.TotalMilliseconds));
            var cpu = MinMedianMax.Of(result.Runs.Select(r => r.ServiceCpu.TotalMilliseconds));
            var databaseCpu = result.Runs.All(r => r.DatabaseCpu is not null) ? MinMedianMax.Of(result.Runs.Select(r => r.DatabaseCpu!.Value.TotalMilliseconds)) : (MinMedianMax?)null;
            summary.Add(result.Database, Ms(time.Min), Ms(time.Median), Ms(time.Max),
                Range(result.Runs.Select(r => (long)r.Accepted)), Range(result.Runs.Select(r => (long)r.RowsApi)),
                Range(result.Runs.Select(r => r.RowsSql)), Range(result.Runs.Select(r => r.Events)), Ms(cpu.Median),
                databaseCpu is { } dbCpu ? Ms(dbCpu.Median) : "in service", Verdict(time, settings.Target.TotalMilliseconds));
            foreach (var run in result.Runs)
            {
                perRun.Add(result.Database, run.CampaignId, $"{run.BodyBytes / 1024.0 / 1024.0:0.0} MiB", Ms(run.Elapsed.TotalMilliseconds),
                    (run.Requested / run.Elapsed.TotalSeconds).ToString("N0", CultureInfo.InvariantCulture),
                    N(run.Accepted), N(run.RowsApi), N(run.RowsSql), N(run.Events), Ms(run.ServiceCpu.TotalMilliseconds),
                    run.DatabaseCpu is { } db ? Ms(db.TotalMilliseconds) : "in service",
                    $"{run.BusyCores:0.0} of {Environment.ProcessorCount} cores", run.LoadBefore?.ToString("0.0", CultureInfo.InvariantCulture) ?? "?");
                if (run.NotQueued != 0)
                {
                    problems.Add($"{result.Database} {run.CampaignId}: {run.NotQueued:N0} calls left the queued state although the campaign is paused");
                }

                if (run.Accepted != run.Requested || run.RowsApi != run.Requested || run.RowsSql != run.Requested || run.Events != run.Requested)
                {
                    problems.Add($"{result.Database} {run.CampaignId}: requested {run.Requested:N0}, accepted {run.Accepted:N0}, " +
                        $"rows {run.RowsApi:N0} (API) / {run.RowsSql:N0} (SQL), events {run.Events:N0}");
                }
            }
        }

        var title = $"intake: one POST /calls/bulk of {settings.Calls:N0} calls, {settings.Runs} run{(settings.Runs == 1 ? "" : "s")} per database after a warm-up of {settings.Warmup:N0}";
        var console = new StringBuilder()
            .AppendLine().AppendLine(title).AppendLine()
            .Append(summary.ToConsole()).AppendLine()
            .Append(perRun.ToConsole());
        problems.ForEach(p => console.AppendLine("CHECK FAILED: " + p));

        var machine = context.Machine;
        var markdown = new StringBuilder()
            .AppendLine($"### intake: {settings.Calls:N0} calls in one bulk")
            .AppendLine()
            .AppendLine($"- Date: {machine.Date:yyyy-MM-dd HH:mm} UTC" + (machine.Commit is null ? "" : $", commit {machine.Commit}"))
            .AppendLine($"- Machine: {machine.Cores} cores ({machine.CpuModel}), {machine.Memory} RAM, {machine.OperatingSystem}")
            .AppendLine($"- .NET: {machine.Runtime}" + (machine.Sdk is null ? "" : $", SDK {machine.Sdk}") +
                $"; service {BenchOptions.BuildConfiguration} build, {MachineInfo.ServiceGcMode(context.ServiceAssembly)}, `LOG_LEVEL=warn`, one process on 127.0.0.1")
            .AppendLine($"- Command: `{context.CommandLine}`")
            .AppendLine($"- Method: a warm-up bulk of {settings.Warmup:N0} calls, then {settings.Runs} bulk{(settings.Runs == 1 ? "" : "s")} of {settings.Calls:N0} distinct numbers, each into a new campaign " +
                "created paused just before (`POST /campaigns`, `POST /campaigns/{id}/pause`), so the service's dispatcher runs as usual but dials none of them " +
                "(body pre-serialized, sent over loopback HTTP/1.1 by the bench on the same machine). Time = request sent to 202 answer read. " +
                "Rows = `GET /calls?campaignId=…&limit=1` → `pagination.total`, and `SELECT count(*)` on `calls` and `call_events`. " +
                $"Service CPU and DB server CPU = user + system time of the service process and of the PostgreSQL server processes during the request; " +
                $"machine busy = cores in use machine-wide during the request (of {Environment.ProcessorCount}), which shows competing load from other processes; " +
                "load before = 1-minute load average when the request started.")
            .AppendLine()
            .Append(summary.ToMarkdown())
            .AppendLine()
            .AppendLine("<details><summary>Per run</summary>")
            .AppendLine()
            .Append(perRun.ToMarkdown())
            .AppendLine()
            .AppendLine("</details>")
            .AppendLine()
            .AppendLine("Database settings:");
        foreach (var result in results)
        {
            markdown.AppendLine($"- {result.Database}: " + string.Join("; ", result.Settings) +
                (result.PeakResidentBytes is { } rss ? $"; service peak RSS {rss / 1024.0 / 1024.0:N0} MiB" : ""));
        }

        problems.ForEach(p => markdown.AppendLine().AppendLine("**Check failed:** " + p));
        return new ScenarioReport(console.ToString(), markdown.ToString(), problems.Count == 0);
    }

    private static string Verdict(MinMedianMax time, double targetMs) =>
        time.Max < targetMs ? "met (every run)"
        : time.Median < targetMs ? $"median met, slowest run {Seconds(time.Max)}"
        : $"missed ({time.Median / targetMs:0.0}× the target)";

    private static string Ms(double ms) => ms.ToString("N0", CultureInfo.InvariantCulture) + " ms";

    private static string Seconds(double ms) => (ms / 1000).ToString("0.##", CultureInfo.InvariantCulture) + " s";

    private static string Seconds(TimeSpan time) => Seconds(time.TotalMilliseconds);

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private static string Range(IEnumerable<long> values)
    {
        var list = values.ToList();
        return list.Min() == list.Max() ? N(list[0]) : $"{N(list.Min())}–{N(list.Max())}";
    }

    private sealed record Settings(int Calls, int Runs, int Warmup, TimeSpan Target);

    private sealed record RunResult(
        string CampaignId, int Requested, int BodyBytes, TimeSpan Elapsed, int Accepted, int RowsApi, long RowsSql, long Events,
        TimeSpan ServiceCpu, TimeSpan? DatabaseCpu, double BusyCores, double? LoadBefore, long NotQueued);

    private sealed record DatabaseResult(string Database, List<RunResult> Runs, IReadOnlyList<string> Settings, long? PeakResidentBytes);
}
