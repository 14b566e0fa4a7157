using System.Data.Common;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using NpgsqlTypes;
using VoiceOrchestrator.Bench.Infrastructure;
using VoiceOrchestrator.Bench.Reporting;

namespace VoiceOrchestrator.Bench.Scenarios;

/// <summary>
/// Conversation history at scale, per database: (a) N stored conversations (bulk-loaded straight into
/// the table), then database-only listings through the service with the provider down: page 1, a
/// deeper page, search by phone, search by id, one day (target p95 ≤ 20 ms for the page and the phone
/// search); (b) a manual sync of M conversations from the standalone emulator (target ≤ 30 s).
/// </summary>
internal sealed class ConversationsScenario : IScenario
{
    private const string PhoneNumberId = "phnum_bench";
    private const string SyncAgentId = "agent_bench";
    private const string HistoryAgentId = "agent_bench_history";
    private const int Numbers = 10_000;
    private const int HistoryDays = 90;
    private const int SeedBatch = 10_000;
    private const double ListingTargetMs = 20;
    private const double SyncTargetSeconds = 30;

    public string Name => "conversations";

    public string Summary => "1M stored conversations: database-only page and phone search p95 (≤ 20 ms); manual sync of 10,000 from the emulator (≤ 30 s).";

    public IReadOnlyList<ScenarioOption> Options { get; } =
    [
        new("conversations", "Conversations loaded into the table before the listings.", "1000000"),
        new("sync-conversations", "Conversations the emulator holds for the manual sync.", "10000"),
        new("requests", "Requests per measured listing (after 20 unmeasured).", "200"),
    ];

    public async Task<ScenarioReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var stored = context.Int("conversations", 1_000_000, 1_000, 10_000_000);
        var toSync = context.Int("sync-conversations", 10_000, 100, 100_000);
        var requests = context.Int("requests", 200, 10, 100_000);
        var results = new List<DatabaseResult>();
        foreach (var kind in context.Databases)
        {
            results.Add(await RunOnAsync(kind, stored, toSync, requests, context, cancellationToken));
        }

        return Report(results, stored, toSync, requests, context);
    }

    private static async Task<DatabaseResult> RunOnAsync(DatabaseKind kind, int stored, int toSync, int requests, BenchContext context, CancellationToken cancellationToken)
    {
        BenchContext.Log($"{kind}: preparing a fresh database");
        await using var database = await BenchDatabase.CreateAsync(kind, cancellationToken);

        // (a) The provider is down (a port nobody listens on): every answer is the database's alone.
        var down = new Dictionary<string, string>(context.ServiceEnvironment) { ["ELEVENLABS_BASE_URL"] = $"http://127.0.0.1:{FreePort.Next()}" };
        List<Listing> listings;
        TimeSpan load;
        string workspaceKey;
        string workspaceId;
        await using (var service = await ServiceProcess.StartAsync(context.ServiceAssembly, database.DatabaseUrl, down, cancellationToken))
        {
            service.KeepLogAs = context.ServiceLogFile("conversations", $"listing-{kind.ToString().ToLowerInvariant()}");
            using var http = Client(service.BaseAddress);
            (workspaceId, workspaceKey) = await SetUpWorkspaceAsync(http, cancellationToken);
            BenchContext.Log($"{database.Name}: loading {stored:N0} conversations");
            var clock = Stopwatch.StartNew();
            await LoadAsync(database, workspaceId, stored, cancellationToken);
            load = clock.Elapsed;
            BenchContext.Log($"{database.Name}: loaded in {load.TotalSeconds:N1} s");
            try
            {
                listings = await MeasureListingsAsync(http, workspaceKey, stored, requests, database.Name, cancellationToken);
            }
            catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException($"{database.Name}: {e.Message}\n--- service log (tail) ---\n{service.LogTail()}", e);
            }
        }

        // (b) A manual sync from the standalone emulator into the same workspace, on top of the stored history.
        await using var emulator = await EmulatorProcess.StartAsync(new Dictionary<string, string>(), cancellationToken);
        var up = new Dictionary<string, string>(context.ServiceEnvironment) { ["ELEVENLABS_BASE_URL"] = emulator.BaseAddress.ToString().TrimEnd('/') };
        await using var syncService = await ServiceProcess.StartAsync(context.ServiceAssembly, database.DatabaseUrl, up, cancellationToken);
        syncService.KeepLogAs = context.ServiceLogFile("conversations", $"sync-{kind.ToString().ToLowerInvariant()}");
        using var syncHttp = Client(syncService.BaseAddress, TimeSpan.FromMinutes(10));
        try
        {
            await SeedAsync(emulator.BaseAddress, toSync, cancellationToken);
            BenchContext.Log($"{database.Name}: syncing {toSync:N0} conversations from the emulator");
            var clock = Stopwatch.StartNew();
            using var request = Request(HttpMethod.Post, "conversations/sync", workspaceKey);
            request.Content = JsonContent.Create(new { limit = toSync });
            using var response = await syncHttp.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var elapsed = clock.Elapsed;
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"POST /conversations/sync answered {(int)response.StatusCode}: {ServiceClient.Truncate(text)}");
            }

            var synced = JsonNode.Parse(text)?["sync"]?["records_synced"]?.GetValue<int>() ?? -1;
            var rows = await database.ScalarAsync("SELECT count(*) FROM conversations WHERE workspace_id = @p", workspaceId, cancellationToken);
            BenchContext.Log($"{database.Name}: sync of {toSync:N0} took {elapsed.TotalSeconds:N1} s; {synced:N0} synced, {rows:N0} rows stored");
            var hybrid = await MeasureAsync(syncHttp, workspaceKey, "hybrid page 1 (API up)", "conversations?page=1&page_size=20", Math.Min(requests, 100), stored + toSync, "ok", cancellationToken);
            return new DatabaseResult(database.Name, load, listings, hybrid, new SyncResult(toSync, elapsed, synced, rows, stored + (long)toSync), await database.DescribeAsync(cancellationToken));
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw new InvalidOperationException($"{database.Name}: {e.Message}\n--- service log (tail) ---\n{syncService.LogTail()}\n--- emulator log (tail) ---\n{emulator.LogTail()}", e);
        }
    }

    private static async Task<List<Listing>> MeasureListingsAsync(HttpClient http, string key, int stored, int requests, string database, CancellationToken cancellationToken)
    {
        var newestDay = DateTime.UtcNow.AddMinutes(-1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        var perDay = (int)Math.Ceiling(stored / (double)HistoryDays);
        var perNumber = stored / Numbers;
        var middle = stored / 2;
        var listings = new List<Listing>
        {
            await MeasureAsync(http, key, "page 1", "conversations?page=1&page_size=20", requests, stored, "unavailable", cancellationToken),
            await MeasureAsync(http, key, "page 50", "conversations?page=50&page_size=20", requests, stored, "unavailable", cancellationToken),
            await MeasureAsync(http, key, "search by phone", $"conversations?page_size=20&search=%2B1555{Number(middle):D7}", requests, null, "skipped", cancellationToken),
            await MeasureAsync(http, key, "search by id", $"conversations?search={ConversationId(middle)}", requests, 1, "skipped", cancellationToken),
            await MeasureAsync(http, key, "one day (date_filter)", $"conversations?page_size=20&date_filter={newestDay}", requests, null, "unavailable", cancellationToken),
        };
        BenchContext.Log($"{database}: listings measured (about {perNumber} conversations per number, {perDay:N0} per day)");
        return listings;
    }

    /// <summary>Unmeasured warm-up, then one request at a time, each timed from sending to the last byte read.</summary>
    private static async Task<Listing> MeasureAsync(
        HttpClient http, string key, string label, string path, int requests, long? expectedTotal, string expectedApiStatus, CancellationToken cancellationToken)
    {
        var times = new List<double>(requests);
        long total = -1;
        for (var i = -20; i < requests; i++)
        {
            using var request = Request(HttpMethod.Get, path, key);
            var clock = Stopwatch.StartNew();
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            clock.Stop();
            if (response.StatusCode != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"GET /{path} answered {(int)response.StatusCode}: {ServiceClient.Truncate(text)}");
            }

            if (i < 0)
            {
                var json = JsonNode.Parse(text)!;
                total = json["pagination"]?["total"]?.GetValue<long>() ?? -1;
                var apiStatus = json["api_status"]?.GetValue<string>();
                var rows = json["data"]?.AsArray().Count ?? 0;
                if (apiStatus != expectedApiStatus || (expectedTotal is { } expected && total != expected) || rows == 0)
                {
                    throw new InvalidOperationException($"GET /{path}: api_status {apiStatus} (expected {expectedApiStatus}), total {total} (expected {expectedTotal?.ToString(CultureInfo.InvariantCulture) ?? "any"}), {rows} rows");
                }

                continue;
            }

            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        return new Listing(label, total, [.. times.Order()]);
    }

    /// <summary>
    /// Rows as a sync would store them, newest first over <see cref="HistoryDays"/> days, spread over
    /// <see cref="Numbers"/> callee numbers. The table's secondary indexes and count triggers (read
    /// from the catalogue, so the migrations stay the one definition) are dropped for the load and
    /// made again after it, and the counts rebuilt: building an index once is far faster than
    /// maintaining it row by row, and one count row updated a million times in one PostgreSQL
    /// transaction would crawl. PostgreSQL loads by binary COPY, then ANALYZE as autovacuum would;
    /// SQLite by one transaction of prepared inserts.
    /// </summary>
    private static async Task LoadAsync(BenchDatabase database, string workspaceId, int count, CancellationToken cancellationToken)
    {
        var now = DateTime.UtcNow;
        var spacing = TimeSpan.FromDays(HistoryDays).Ticks / count;
        await using var connection = database.ConnectForWriting();
        await connection.OpenAsync(cancellationToken);
        var definitions = await DropIndexesAndTriggersAsync(connection, cancellationToken);
        await InsertRowsAsync(connection, workspaceId, count, now, spacing, cancellationToken);
        foreach (var definition in definitions)
        {
            await ExecuteAsync(connection, definition, cancellationToken);
        }

        await ExecuteAsync(connection, "DELETE FROM conversation_counts", cancellationToken);
        await ExecuteAsync(connection, "INSERT INTO conversation_counts (workspace_id, status, conversations) " +
            "SELECT workspace_id, status, count(*) FROM conversations GROUP BY workspace_id, status", cancellationToken);
        if (connection is NpgsqlConnection)
        {
            await ExecuteAsync(connection, "ANALYZE conversations", cancellationToken);
        }
    }

    /// <summary>Drops the conversations table's secondary indexes and triggers; returns the statements that make them again, indexes first.</summary>
    private static async Task<List<string>> DropIndexesAndTriggersAsync(DbConnection connection, CancellationToken cancellationToken)
    {
        var postgres = connection is NpgsqlConnection;
        var indexes = await ListAsync(connection, postgres
            ? "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'conversations' AND indexname <> 'conversations_pkey'"
            : "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'conversations' AND sql IS NOT NULL", cancellationToken);
        var triggers = await ListAsync(connection, postgres
            ? "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE tgrelid = 'conversations'::regclass AND NOT tgisinternal"
            : "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'conversations'", cancellationToken);
        foreach (var (name, _) in indexes)
        {
            await ExecuteAsync(connection, $"DROP INDEX \"{name}\"", cancellationToken);
        }

        foreach (var (name, _) in triggers)
        {
            await ExecuteAsync(connection, postgres ? $"DROP TRIGGER \"{name}\" ON conversations" : $"DROP TRIGGER \"{name}\"", cancellationToken);
        }

        return [.. indexes.Select(i => i.Definition), .. triggers.Select(t => t.Definition)];
    }

    private static async Task<List<(string Name, string Definition)>> ListAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var rows = new List<(string, string)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            rows.Add((reader.GetString(0), reader.GetString(1)));
        }

        return rows;
    }

    private static async Task InsertRowsAsync(DbConnection connection, string workspaceId, int count, DateTime now, long spacing, CancellationToken cancellationToken)
    {
        if (connection is NpgsqlConnection pg)
        {
            await using (var copy = await pg.BeginBinaryImportAsync(
                "COPY conversations (conversation_id, workspace_id, agent_id, caller_number, callee_number, status, direction, call_type, started_at, ended_at, " +
                "duration_secs, transcript, analysis, summary, metadata, end_reason, has_recording, synced_from_api, last_synced_at, created_at, updated_at) FROM STDIN (FORMAT BINARY)",
                cancellationToken))
            {
                for (var i = 0; i < count; i++)
                {
                    var row = Row(i, now, spacing);
                    await copy.StartRowAsync(cancellationToken);
                    await copy.WriteAsync(row.Id, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(workspaceId, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(HistoryAgentId, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync("+15550001111", NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(row.Callee, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(row.Status, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync("outbound", NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync("twilio", NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(row.Started, NpgsqlDbType.TimestampTz, cancellationToken);
                    await copy.WriteAsync(row.Started.AddSeconds(row.Duration), NpgsqlDbType.TimestampTz, cancellationToken);
                    await copy.WriteAsync(row.Duration, NpgsqlDbType.Integer, cancellationToken);
                    await copy.WriteAsync(Transcript, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(Analysis, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(SummaryText, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(Metadata, NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync("Call ended by remote party", NpgsqlDbType.Text, cancellationToken);
                    await copy.WriteAsync(true, NpgsqlDbType.Boolean, cancellationToken);
                    await copy.WriteAsync(true, NpgsqlDbType.Boolean, cancellationToken);
                    await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken);
                    await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken);
                    await copy.WriteAsync(now, NpgsqlDbType.TimestampTz, cancellationToken);
                }

                await copy.CompleteAsync(cancellationToken);
            }

            return;
        }

        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText =
            "INSERT INTO conversations (conversation_id, workspace_id, agent_id, caller_number, callee_number, status, direction, call_type, started_at, ended_at, " +
            "duration_secs, transcript, analysis, summary, metadata, end_reason, has_recording, synced_from_api, last_synced_at, created_at, updated_at) VALUES " +
            "(@id, @workspace, @agent, '+15550001111', @callee, @status, 'outbound', 'twilio', @started, @ended, @duration, @transcript, @analysis, @summary, @metadata, " +
            "'Call ended by remote party', 1, 1, @now, @now, @now)";
        var id = Parameter(command, "@id");
        Parameter(command, "@workspace").Value = workspaceId;
        Parameter(command, "@agent").Value = HistoryAgentId;
        var callee = Parameter(command, "@callee");
        var status = Parameter(command, "@status");
        var started = Parameter(command, "@started");
        var ended = Parameter(command, "@ended");
        var duration = Parameter(command, "@duration");
        Parameter(command, "@transcript").Value = Transcript;
        Parameter(command, "@analysis").Value = Analysis;
        Parameter(command, "@summary").Value = SummaryText;
        Parameter(command, "@metadata").Value = Metadata;
        Parameter(command, "@now").Value = now;
        await command.PrepareAsync(cancellationToken);
        for (var i = 0; i < count; i++)
        {
            var row = Row(i, now, spacing);
            id.Value = row.Id;
            callee.Value = row.Callee;
            status.Value = row.Status;
            // The service's own format (EF Core's SQLite text form), so that order and ranges compare alike.
            started.Value = row.Started;
            ended.Value = row.Started.AddSeconds(row.Duration);
            duration.Value = row.Duration;
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
    }

    private static (string Id, string Callee, string Status, DateTime Started, int Duration) Row(int i, DateTime now, long spacingTicks) =>
        (ConversationId(i), $"+1555{Number(i):D7}", i % 20 == 0 ? "failed" : "done", now.AddMinutes(-1).AddTicks(-spacingTicks * i), 20 + (i * 37 % 160));

    private static string ConversationId(int i) => $"conv_bench_{i:D9}";

    /// <summary>Spreads consecutive conversations over the numbers (a prime stride), so each number's history spans the whole period.</summary>
    private static int Number(int i) => (int)((long)i * 7919 % Numbers);

    private const string Transcript =
        """[{"role":"agent","message":"Hi, this is Acme calling about your appointment tomorrow.","time_in_call_secs":0},{"role":"user","message":"Yes, I will be there at ten.","time_in_call_secs":4},{"role":"agent","message":"Great, see you then. Goodbye.","time_in_call_secs":9}]""";

    private const string Analysis =
        """{"call_successful":"success","transcript_summary":"The customer confirmed the appointment.","evaluation_criteria_results":{},"data_collection_results":{}}""";

    private const string SummaryText = "The customer confirmed the appointment.";

    private const string Metadata =
        """{"start_time_unix_secs":1760950012,"call_duration_secs":94,"cost":752,"termination_reason":"Call ended by remote party","phone_call":{"type":"twilio","direction":"outbound","phone_number_id":"phnum_bench","agent_number":"+15550001111","external_number":"+15550000000","call_result":"answered"}}""";

    private static DbParameter Parameter(DbCommand command, string name)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        command.Parameters.Add(parameter);
        return parameter;
    }

    private static async Task ExecuteAsync(DbConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.CommandTimeout = 1800;
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static async Task SeedAsync(Uri emulator, int count, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = emulator, Timeout = TimeSpan.FromMinutes(2) };
        for (var seeded = 0; seeded < count; seeded += SeedBatch)
        {
            var batch = Math.Min(SeedBatch, count - seeded);
            using var response = await http.PostAsJsonAsync("_sim/conversations/seed", new { count = batch, agentId = SyncAgentId, toNumber = $"+1556{seeded / SeedBatch:D7}" }, cancellationToken);
            response.EnsureSuccessStatusCode();
        }
    }

    private static async Task<(string Id, string Key)> SetUpWorkspaceAsync(HttpClient http, CancellationToken cancellationToken)
    {
        var workspace = await SendAsync(http, HttpMethod.Post, "admin/workspaces", new { name = "bench" }, ServiceProcess.AdminToken, cancellationToken);
        var key = workspace["apiKey"]!.GetValue<string>();
        await SendAsync(http, HttpMethod.Post, "phone-numbers", new { phoneNumberId = PhoneNumberId, phoneNumber = "+15550001111", provider = "twilio" }, key, cancellationToken);
        await SendAsync(http, HttpMethod.Post, "agents", new { agentId = SyncAgentId, phoneNumberIds = new[] { PhoneNumberId } }, key, cancellationToken);
        return (workspace["id"]!.GetValue<string>(), key);
    }

    private static async Task<JsonNode> SendAsync(HttpClient http, HttpMethod method, string path, object body, string bearer, CancellationToken cancellationToken)
    {
        using var request = Request(method, path, bearer);
        request.Content = JsonContent.Create(body);
        using var response = await http.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{method} /{path} answered {(int)response.StatusCode}: {ServiceClient.Truncate(text)}");
        }

        return JsonNode.Parse(text) ?? throw new InvalidOperationException($"{method} /{path} answered an empty body.");
    }

    private static HttpRequestMessage Request(HttpMethod method, string path, string bearer)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        return request;
    }

    private static HttpClient Client(Uri baseAddress, TimeSpan? timeout = null) =>
        new(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = DecompressionMethods.None })
        {
            BaseAddress = baseAddress,
            Timeout = timeout ?? TimeSpan.FromMinutes(1),
        };

    private static ScenarioReport Report(List<DatabaseResult> results, int stored, int toSync, int requests, BenchContext context)
    {
        var problems = new List<string>();
        var listing = new TextTable("Database", "Query", "Total", "p50", "p95", "p99", "Max", "Target");
        listing.RightAligned.UnionWith([2, 3, 4, 5, 6]);
        var sync = new TextTable("Database", "Load of stored rows", "Conversations synced", "Sync time", "Rows after", "Target");
        sync.RightAligned.UnionWith([1, 2, 3, 4]);
        foreach (var r in results)
        {
            foreach (var l in r.Listings.Append(r.Hybrid))
            {
                var p95 = Percentile(l.Times, 0.95);
                var targeted = l.Label is "page 1" or "search by phone";
                listing.Add(r.Database, l.Label, N(l.Total), Ms(Percentile(l.Times, 0.50)), Ms(p95), Ms(Percentile(l.Times, 0.99)), Ms(l.Times[^1]),
                    targeted ? (p95 <= ListingTargetMs ? "met" : "missed") : "–");
            }

            var s = r.Sync;
            sync.Add(r.Database, $"{r.Load.TotalSeconds:N1} s", N(s.Synced), $"{s.Elapsed.TotalSeconds:N1} s", N(s.RowsAfter),
                s.Elapsed.TotalSeconds <= SyncTargetSeconds ? "met" : "missed");
            if (s.Synced != s.Requested || s.RowsAfter != s.ExpectedRows)
            {
                problems.Add($"{r.Database}: sync stored {s.Synced:N0} of {s.Requested:N0} ({s.RowsAfter:N0} rows, expected {s.ExpectedRows:N0})");
            }
        }

        var console = new StringBuilder()
            .AppendLine().AppendLine($"conversations (a) listings over {stored:N0} stored conversations, {requests} requests each").AppendLine().Append(listing.ToConsole())
            .AppendLine().AppendLine($"conversations (b) manual sync of {toSync:N0} conversations from the emulator").AppendLine().Append(sync.ToConsole());
        problems.ForEach(p => console.AppendLine("CHECK FAILED: " + p));

        var machine = context.Machine;
        var markdown = new StringBuilder()
            .AppendLine("### conversations: stored history, listings and manual sync")
            .AppendLine()
            .AppendLine($"- Date: {machine.Date:yyyy-MM-dd HH:mm} UTC" + (machine.Commit is null ? "" : $", commit {machine.Commit}"))
            .AppendLine($"- Machine: {machine.Cores} cores ({machine.CpuModel}), {machine.Memory} RAM, {machine.OperatingSystem}")
            .AppendLine($"- .NET: {machine.Runtime}" + (machine.Sdk is null ? "" : $", SDK {machine.Sdk}") +
                $"; service {BenchOptions.BuildConfiguration} build, `LOG_LEVEL=warn`; service, emulator and bench on 127.0.0.1 of the same machine")
            .AppendLine($"- Command: `{context.CommandLine}`")
            .AppendLine($"- Method: {stored:N0} conversations of one workspace loaded straight into the table (as a sync stores them: {HistoryDays} days, {Numbers:N0} callee numbers, " +
                "transcript, analysis and metadata of about 1 KB; PostgreSQL by COPY then ANALYZE, SQLite by prepared inserts). (a) A service whose ELEVENLABS_BASE_URL is a closed port " +
                $"(the API down, so every answer is the database's): after 20 unmeasured requests, {requests} sequential requests per query, timed from send to the last byte. " +
                "Searches never ask the API. (b) A new service on the same database with the standalone emulator holding the conversations to sync: one `POST /conversations/sync`, " +
                "timed to its answer; then page 1 with the API up (newest 5 live).")
            .AppendLine()
            .AppendLine($"(a) Listings (target p95 ≤ {ListingTargetMs:0} ms for page 1 and the phone search)")
            .AppendLine()
            .Append(listing.ToMarkdown())
            .AppendLine()
            .AppendLine($"(b) Manual sync of {toSync:N0} conversations (target ≤ {SyncTargetSeconds:0} s)")
            .AppendLine()
            .Append(sync.ToMarkdown());
        foreach (var r in results)
        {
            markdown.AppendLine().AppendLine($"{r.Database}: " + string.Join("; ", r.Settings));
        }

        problems.ForEach(p => markdown.AppendLine().AppendLine("**Check failed:** " + p));
        return new ScenarioReport(console.ToString(), markdown.ToString(), problems.Count == 0);
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string Ms(double ms) => ms.ToString("N1", CultureInfo.InvariantCulture) + " ms";

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    private sealed record Listing(string Label, long Total, double[] Times);

    private sealed record SyncResult(int Requested, TimeSpan Elapsed, int Synced, long RowsAfter, long ExpectedRows);

    private sealed record DatabaseResult(string Database, TimeSpan Load, List<Listing> Listings, Listing Hybrid, SyncResult Sync, IReadOnlyList<string> Settings);
}
