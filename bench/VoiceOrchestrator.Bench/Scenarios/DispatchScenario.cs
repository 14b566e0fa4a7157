using System.Buffers;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using VoiceOrchestrator.Bench.Infrastructure;
using VoiceOrchestrator.Bench.Reporting;

namespace VoiceOrchestrator.Bench.Scenarios;

/// <summary>
/// Dispatch against the standalone provider emulator, one fresh database, emulator and service per phase:
/// (a) end-to-end throughput of zero-length calls with a limit of 1,000 (target ≥ 1,000 calls/s);
/// (b) slot utilization with 2 s calls and a limit of 50 while calls wait (target ≥ 98 % average;
/// the emulator's maxConcurrency above the limit fails the scenario);
/// (c) from (b)'s call_events, the time from the terminal event that freed a slot to the next dialing
/// event (target p99 ≤ 20 ms).
/// </summary>
internal sealed class DispatchScenario : IScenario
{
    private const string PhoneNumberId = "phnum_bench";
    private const string AgentId = "agent_bench";
    private const string WebhookSecret = "bench-webhook-secret";
    private const int ThroughputLimit = 1000;
    private const int ThroughputBulks = 10;
    private const int BulkConcurrencyMax = 100;
    private const int WarmupRound = 5_000;
    private const int SlotLimit = 50;
    private const int SlotCallMs = 2000;
    private const int SlotBulks = 4;
    private static readonly string[] TerminalStates = ["completed", "busy", "no_answer", "machine_detected", "failed", "cancelled", "expired"];

    public string Name => "dispatch";

    public string Summary => "Calls through the provider emulator: end-to-end calls/s, slot utilization, webhook-to-next-dial latency.";

    public IReadOnlyList<ScenarioOption> Options { get; } =
    [
        new("calls", "Zero-length calls for the throughput phase (10 bulks of calls/10).", "20000"),
        new("warmup-seconds", "Seconds the throughput phase's service spends completing rounds of 5,000 zero-length calls before it is measured (0: measure it cold).", "30"),
        new("rounds", "Measured rounds of --calls calls each in the throughput phase, one after another on the same service; the table gives the median round (by calls/s) and lists every round.", "3"),
        new("slot-calls", "2 s calls for the slot-utilization phase (limit 50).", "2000"),
        new("slot-warmup-seconds", "Seconds of 2 s warm-up calls (limit 50) the slot phase's service completes before the measured calls (0: measure it cold); the latency of the warm-up's own dials is reported as the cold figure.", "20"),
    ];

    public async Task<ScenarioReport> RunAsync(BenchContext context, CancellationToken cancellationToken)
    {
        var calls = context.Int("calls", 20_000, ThroughputBulks, 1_000_000);
        var warmupSeconds = context.Int("warmup-seconds", 30, 0, 3_600);
        var rounds = context.Int("rounds", 3, 1, 9);
        var slotCalls = context.Int("slot-calls", 2_000, SlotBulks, 100_000);
        var slotWarmupSeconds = context.Int("slot-warmup-seconds", 20, 0, 600);
        var results = new List<DatabaseResult>();
        foreach (var kind in context.Databases)
        {
            var throughput = await ThroughputAsync(kind, calls, warmupSeconds, rounds, context, cancellationToken);
            var slots = await SlotsAsync(kind, slotCalls, slotWarmupSeconds, context, cancellationToken);
            results.Add(new DatabaseResult(kind == DatabaseKind.Sqlite ? "SQLite" : "PostgreSQL", throughput, slots));
        }

        return Report(results, calls, warmupSeconds, rounds, slotCalls, slotWarmupSeconds, context);
    }

    private static async Task<ThroughputResult> ThroughputAsync(DatabaseKind kind, int calls, int warmupSeconds, int rounds, BenchContext context, CancellationToken cancellationToken)
    {
        await using var run = await Run.StartAsync(kind, "throughput", ThroughputLimit, ringMs: 0, callMs: 0, context, cancellationToken);
        try
        {
            // A fresh process spends its first tens of seconds compiling its hot paths again at full
            // optimization; a service that runs for days does not, so the measured calls come after.
            var warmupCalls = 0;
            var warmupClock = Stopwatch.StartNew();
            while (warmupClock.Elapsed < TimeSpan.FromSeconds(warmupSeconds))
            {
                await PostThroughputBulksAsync(run, WarmupRound, firstNumber: calls + warmupCalls, cancellationToken);
                warmupCalls += WarmupRound;
                await run.WaitAllDoneAsync(warmupCalls, warmupClock.Elapsed + TimeSpan.FromSeconds(60) + TimeSpan.FromMilliseconds(WarmupRound * 10.0), warmupClock, cancellationToken);
            }

            if (warmupCalls > 0)
            {
                BenchContext.Log($"{run.Database.Name}: throughput: warmed up with {warmupCalls:N0} calls in {warmupClock.Elapsed.TotalMilliseconds:N0} ms");
            }

            // One round on a machine shared with the emulator and the bench spreads by about ±15 % from run to run:
            // the median of a few rounds says more than any one of them, and every round is reported.
            var measured = new List<ThroughputRound>();
            var done = warmupCalls;
            long otherBefore = 0;
            for (var round = 1; round <= rounds; round++)
            {
                var before = await run.Emulator.StatsAsync(cancellationToken);
                BenchContext.Log($"{run.Database.Name}: throughput: round {round} of {rounds}: {calls:N0} zero-length calls in {ThroughputBulks} bulks, limit {ThroughputLimit}");
                var serviceCpuBefore = ProcStat.ProcessTreeCpu(run.Service.ProcessId);
                var clock = Stopwatch.StartNew();
                // Every round dials numbers of its own, apart from the warm-up's (numbered from calls on).
                await PostThroughputBulksAsync(run, calls, firstNumber: round == 1 ? 0 : calls + warmupCalls + (round - 2) * calls, cancellationToken);
                var intake = clock.Elapsed;
                var timeout = TimeSpan.FromSeconds(60) + TimeSpan.FromMilliseconds(calls * 10.0);
                var (completed, other) = await run.WaitAllDoneAsync(done + calls, timeout, clock, cancellationToken);
                var elapsed = clock.Elapsed;
                // Service CPU per call tells the service's own cost apart from whatever else shares the cores.
                var serviceCpu = ProcStat.ProcessTreeCpu(run.Service.ProcessId) - serviceCpuBefore;
                var stats = await run.Emulator.StatsAsync(cancellationToken);
                var dials = stats.AcceptedDials - before.AcceptedDials;
                var webhooks = stats.WebhooksSent - before.WebhooksSent;
                // Calls of earlier rounds (or the warm-up) that did not complete are counted in neither figure.
                var measuredCompleted = Math.Max(0, completed - done);
                var result = new ThroughputRound(intake, elapsed, measuredCompleted, other - otherBefore, serviceCpu);
                measured.Add(result);
                done += calls;
                otherBefore = other;
                BenchContext.Log($"{run.Database.Name}: throughput: round {round}: {measuredCompleted:N0} completed after {elapsed.TotalMilliseconds:N0} ms ({result.Rate:N0} calls/s), " +
                    $"service CPU {serviceCpu.TotalMilliseconds / calls:N2} ms per call, emulator max concurrency {stats.MaxConcurrency}, dials {dials:N0}, webhooks {webhooks:N0}");
            }

            return new ThroughputResult(calls, measured, await run.Emulator.StatsAsync(cancellationToken));
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TimeoutException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw run.Fail(e);
        }
    }

    /// <summary>Posts <paramref name="calls"/> zero-length calls as <see cref="ThroughputBulks"/> bulks, numbered from <paramref name="firstNumber"/>.</summary>
    private static async Task PostThroughputBulksAsync(Run run, int calls, int firstNumber, CancellationToken cancellationToken)
    {
        var perBulk = calls / ThroughputBulks;
        var bodies = Enumerable.Range(0, ThroughputBulks)
            .Select(i => (Count: i == ThroughputBulks - 1 ? calls - perBulk * (ThroughputBulks - 1) : perBulk, First: firstNumber + i * perBulk))
            .Where(bulk => bulk.Count > 0)
            .Select(bulk => BuildBody(bulk.Count, bulk.First, BulkConcurrencyMax))
            .ToList();
        foreach (var body in bodies)
        {
            await run.PostBulkAsync(body, cancellationToken);
        }
    }

    private static async Task<SlotResult> SlotsAsync(DatabaseKind kind, int calls, int warmupSeconds, BenchContext context, CancellationToken cancellationToken)
    {
        await using var run = await Run.StartAsync(kind, "slots", SlotLimit, ringMs: 0, callMs: SlotCallMs, context, cancellationToken);
        // Calls enough to keep every slot busy for the warm-up's seconds, on numbers of their own.
        var warmupCalls = warmupSeconds * 1000 / SlotCallMs * SlotLimit;
        var perBulk = calls / SlotBulks;
        var bodies = Enumerable.Range(0, SlotBulks)
            .Select(i => BuildBody(i == SlotBulks - 1 ? calls - perBulk * (SlotBulks - 1) : perBulk, i * perBulk, SlotLimit))
            .ToList();
        var timeout = TimeSpan.FromSeconds(60) + TimeSpan.FromMilliseconds(1.5 * calls * SlotCallMs / SlotLimit);
        using var stopSampling = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task<List<long>>? sampling = null;
        try
        {
            if (warmupCalls > 0)
            {
                // As for throughput: a fresh process compiles its hot paths again at full optimization during its first
                // seconds, which a service running for days has long done. As many bulks as the measured calls, so that
                // the claims share the limit among as many groups, through the same paths.
                var warmupClock = Stopwatch.StartNew();
                for (var i = 0; i < SlotBulks; i++)
                {
                    var count = warmupCalls / SlotBulks + (i < warmupCalls % SlotBulks ? 1 : 0);
                    await run.PostBulkAsync(BuildBody(count, calls + i * (warmupCalls / SlotBulks + 1), SlotLimit), cancellationToken);
                }

                await run.WaitAllDoneAsync(warmupCalls, TimeSpan.FromSeconds(60) + TimeSpan.FromMilliseconds(1.5 * warmupCalls * SlotCallMs / SlotLimit), warmupClock, cancellationToken);
                BenchContext.Log($"{run.Database.Name}: slots: warmed up with {warmupCalls:N0} calls in {warmupClock.Elapsed.TotalMilliseconds:N0} ms");
            }

            BenchContext.Log($"{run.Database.Name}: slots: {calls:N0} calls of {SlotCallMs} ms in {SlotBulks} bulks, limit {SlotLimit}");
            // Events at or after this instant are the measured calls' (service and bench share the machine's clock).
            var measuredFrom = DateTime.UtcNow;
            var clock = Stopwatch.StartNew();
            sampling = SampleAsync(run.Emulator, warmupCalls, warmupCalls + calls, timeout, stopSampling.Token);
            foreach (var body in bodies)
            {
                await run.PostBulkAsync(body, cancellationToken);
            }

            var (allCompleted, other) = await run.WaitAllDoneAsync(warmupCalls + calls, timeout, clock, cancellationToken);
            var completed = Math.Max(0, allCompleted - warmupCalls);
            var elapsed = clock.Elapsed;
            await stopSampling.CancelAsync();
            var samples = await sampling;
            var stats = await run.Emulator.StatsAsync(cancellationToken);
            var events = await run.Database.CallEventsAsync(cancellationToken);
            var latencies = DialLatencies([.. events.Where(e => e.At >= measuredFrom)]);
            var coldLatencies = DialLatencies([.. events.Where(e => e.At < measuredFrom)]);
            // The emulator's side: when it accepted each dial and ended each conversation (which sends the webhook).
            var conversations = (await run.Emulator.ConversationTimesAsync(warmupCalls + calls + 1_000, cancellationToken))
                .Where(c => c.StartedAt.UtcDateTime >= measuredFrom).ToList();
            var accepted = conversations.Select(c => c.StartedAt.UtcDateTime).ToList();
            var serviceEnds = events.Where(e => e.At >= measuredFrom && Array.IndexOf(TerminalStates, e.State) >= 0).Select(e => e.At);
            var toAcceptedLatencies = NextDialLatencies(serviceEnds, accepted, calls);
            var providerLatencies = NextDialLatencies(conversations.Where(c => c.EndedAt is not null).Select(c => c.EndedAt!.Value.UtcDateTime), accepted, calls);
            // Each call's own way from its claim's choice to the emulator: the claim's commit and the dial's request.
            var chosenAt = events.Where(e => e.At >= measuredFrom && e.State == "dialing")
                .GroupBy(e => e.CallId, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Max(e => e.At), StringComparer.OrdinalIgnoreCase);
            var chosenToAccepted = conversations
                .Where(c => c.UserId is not null && chosenAt.ContainsKey(c.UserId))
                .Select(c => (c.StartedAt.UtcDateTime - chosenAt[c.UserId!]).TotalMilliseconds).ToList();
            // The service's side of the same dials: when each request left it.
            var sent = DialRequestLog.Sent(run.Service.LogLines()).Where(d => d.At >= measuredFrom).ToList();
            var toSentLatencies = NextDialLatencies(serviceEnds, sent.Select(d => d.At), calls);
            var chosenToSent = sent.Where(d => chosenAt.ContainsKey(d.CallId)).Select(d => (d.At - chosenAt[d.CallId]).TotalMilliseconds).ToList();
            BenchContext.Log($"{run.Database.Name}: slots: {completed:N0} completed after {elapsed.TotalMilliseconds:N0} ms, {samples.Count} samples while calls waited, " +
                $"average {(samples.Count == 0 ? 0 : samples.Average()) / SlotLimit:P1}, emulator max concurrency {stats.MaxConcurrency}, {latencies.Count:N0} dial latencies");
            return new SlotResult(calls, elapsed, completed, other, samples, stats, latencies, coldLatencies, toSentLatencies, chosenToSent, toAcceptedLatencies, providerLatencies, chosenToAccepted);
        }
        catch (Exception e) when (e is InvalidOperationException or HttpRequestException or TimeoutException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            throw run.Fail(e);
        }
        finally
        {
            await stopSampling.CancelAsync();
            try
            {
                if (sampling is not null)
                {
                    await sampling;
                }
            }
            catch (Exception e) when (e is OperationCanceledException or HttpRequestException)
            {
                // Already reported, or the run is being torn down.
            }
        }
    }

    /// <summary>
    /// The emulator's activeCalls every 100 ms from the first accepted dial after <paramref name="dialedBefore"/> until
    /// every call has been dialed (acceptedDials = <paramref name="calls"/>): the window in which calls are still waiting in the queue.
    /// </summary>
    private static async Task<List<long>> SampleAsync(EmulatorProcess emulator, int dialedBefore, int calls, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var samples = new List<long>();
        var clock = Stopwatch.StartNew();
        var next = TimeSpan.Zero;
        try
        {
            while (clock.Elapsed < timeout)
            {
                var stats = await emulator.StatsAsync(cancellationToken);
                if (stats.AcceptedDials >= calls)
                {
                    break;
                }

                if (stats.AcceptedDials > dialedBefore)
                {
                    samples.Add(stats.ActiveCalls);
                }

                next += TimeSpan.FromMilliseconds(100);
                var wait = next - clock.Elapsed;
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Stopped by the caller: keep what was sampled.
        }

        return samples;
    }

    /// <summary>
    /// For each dialing event: the time since the latest terminal event before it, counted only when a
    /// call was waiting at that terminal event (queued before it and dialed after it).
    /// </summary>
    private static List<double> DialLatencies(List<(string CallId, string State, DateTime At)> events)
    {
        var sorted = events.OrderBy(e => e.At).ToList();
        var latencies = new List<double>();
        var queued = 0;
        var dialed = 0;
        DateTime? lastTerminal = null;
        var waitingAtLastTerminal = false;
        foreach (var e in sorted)
        {
            if (e.State == "queued")
            {
                queued++;
            }
            else if (e.State == "dialing")
            {
                if (lastTerminal is { } freed && waitingAtLastTerminal)
                {
                    latencies.Add((e.At - freed).TotalMilliseconds);
                }

                dialed++;
            }
            else if (Array.IndexOf(TerminalStates, e.State) >= 0)
            {
                lastTerminal = e.At;
                waitingAtLastTerminal = queued > dialed;
            }
        }

        return latencies;
    }

    /// <summary>
    /// For each dial: the time since the latest end before it, counted only when fewer than <paramref name="calls"/> had
    /// been dialed at that end (so a call was waiting for the slot it freed).
    /// </summary>
    private static List<double> NextDialLatencies(IEnumerable<DateTime> ends, IEnumerable<DateTime> dials, int calls) =>
        // Every call queued from the start; at equal times an end comes before a dial, as the sort keeps this order.
        DialLatencies([
            .. Enumerable.Repeat((CallId: "", State: "queued", At: DateTime.MinValue), calls),
            .. ends.Select(at => (CallId: "", State: "completed", At: at)),
            .. dials.Select(at => (CallId: "", State: "dialing", At: at)),
        ]);

    private static byte[] BuildBody(int count, int firstNumber, int concurrency)
    {
        var buffer = new ArrayBufferWriter<byte>(count * 64 + 512);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteStartArray("agents");
            json.WriteStartObject();
            json.WriteString("agentId", AgentId);
            json.WriteString("agentPhoneNumberId", PhoneNumberId);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteNumber("concurrency", concurrency);
            json.WriteStartArray("calls");
            for (var i = 0; i < count; i++)
            {
                json.WriteStartObject();
                json.WriteString("toNumber", "+1555" + (firstNumber + i).ToString("D7", CultureInfo.InvariantCulture));
                json.WriteEndObject();
            }

            json.WriteEndArray();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    private static ScenarioReport Report(List<DatabaseResult> results, int calls, int warmupSeconds, int rounds, int slotCalls, int slotWarmupSeconds, BenchContext context)
    {
        var throughput = new TextTable("database", "calls", "10 POSTs", "all completed", "calls/s end to end", "service CPU per call", "completed", "other terminal", "emulator max concurrency", "every round: calls/s", "target ≥ 1,000 calls/s");
        throughput.RightAligned.UnionWith(Enumerable.Range(1, 9));
        var slots = new TextTable("database", "calls", "all completed", "samples", "average utilization", "max utilization", "emulator max concurrency", "target ≥ 98 %");
        slots.RightAligned.UnionWith(Enumerable.Range(1, 6));
        var latency = new TextTable("database", "dials measured", "p50", "p95", "p99", "max", "target p99 ≤ 20 ms", "warm-up dials (cold service): p99, max");
        latency.RightAligned.UnionWith(Enumerable.Range(1, 5));
        var providerLatency = new TextTable("database", "from", "to", "dials measured", "p50", "p95", "p99", "max", "p99 ≤ 20 ms");
        providerLatency.RightAligned.UnionWith(Enumerable.Range(3, 5));
        var problems = new List<string>();
        foreach (var r in results)
        {
            var t = r.Throughput.Median;
            var rate = t.Rate;
            throughput.Add(r.Database, N(r.Throughput.Calls), Ms(t.Intake.TotalMilliseconds), Ms(t.Elapsed.TotalMilliseconds), N((long)rate), (t.ServiceCpu.TotalMilliseconds / r.Throughput.Calls).ToString("N2", CultureInfo.InvariantCulture) + " ms", N(t.Completed), N(t.Other),
                N(r.Throughput.Stats.MaxConcurrency), string.Join(", ", r.Throughput.Rounds.Select(round => N((long)round.Rate))), rate >= 1000 ? "met" : $"missed ({rate / 1000:P0} of it)");
            foreach (var (round, number) in r.Throughput.Rounds.Select((round, i) => (round, i + 1)).Where(x => x.round.Completed != r.Throughput.Calls))
            {
                problems.Add($"{r.Database} throughput, round {number}: {round.Completed:N0} of {r.Throughput.Calls:N0} calls completed ({round.Other:N0} in another terminal state)");
            }

            if (r.Throughput.Stats.MaxConcurrency > ThroughputLimit)
            {
                problems.Add($"{r.Database} throughput: the emulator saw {r.Throughput.Stats.MaxConcurrency} concurrent calls, above the limit of {ThroughputLimit}");
            }

            var s = r.Slots;
            var average = s.Samples.Count == 0 ? 0 : s.Samples.Average() / SlotLimit;
            var max = s.Samples.Count == 0 ? 0 : s.Samples.Max() / (double)SlotLimit;
            slots.Add(r.Database, N(s.Calls), Ms(s.Elapsed.TotalMilliseconds), N(s.Samples.Count), average.ToString("P1", CultureInfo.InvariantCulture),
                max.ToString("P0", CultureInfo.InvariantCulture), N(s.Stats.MaxConcurrency), average >= 0.98 ? "met" : "missed");
            if (s.Stats.MaxConcurrency > SlotLimit)
            {
                problems.Add($"{r.Database} slots: the emulator saw {s.Stats.MaxConcurrency} concurrent calls, above the limit of {SlotLimit}");
            }

            if (s.Completed != s.Calls)
            {
                problems.Add($"{r.Database} slots: {s.Completed:N0} of {s.Calls:N0} calls completed ({s.Other:N0} in another terminal state)");
            }

            if (s.Latencies.Count == 0)
            {
                latency.Add(r.Database, "0", "–", "–", "–", "–", "no data", Cold(s.ColdLatencies));
            }
            else
            {
                var sorted = s.Latencies.Order().ToArray();
                var p99 = Percentile(sorted, 0.99);
                latency.Add(r.Database, N(sorted.Length), Ms1(Percentile(sorted, 0.50)), Ms1(Percentile(sorted, 0.95)), Ms1(p99), Ms1(sorted[^1]), p99 <= 20 ? "met" : "missed", Cold(s.ColdLatencies));
            }

            foreach (var (from, to, values) in new[]
            {
                ("webhook processed (terminal event)", "next dial request sent by the service", s.ToSentLatencies),
                ("a call's claim chosen (dialing event)", "its dial request sent by the service", s.ChosenToSent),
                ("webhook processed (terminal event)", "next dial accepted by the emulator", s.ToAcceptedLatencies),
                ("conversation ended at the emulator", "next dial accepted by the emulator", s.ProviderLatencies),
                ("a call's claim chosen (dialing event)", "its dial accepted by the emulator", s.ChosenToAccepted),
            })
            {
                if (values.Count == 0)
                {
                    providerLatency.Add(r.Database, from, to, "0", "–", "–", "–", "–", "no data");
                    continue;
                }

                var sorted = values.Order().ToArray();
                var p99 = Percentile(sorted, 0.99);
                providerLatency.Add(r.Database, from, to, N(sorted.Length), Ms1(Percentile(sorted, 0.50)), Ms1(Percentile(sorted, 0.95)),
                    Ms1(p99), Ms1(sorted[^1]), p99 <= 20 ? "yes" : "no");
            }
        }

        var console = new StringBuilder()
            .AppendLine().AppendLine($"dispatch (a) throughput: {calls:N0} zero-length calls, limit {ThroughputLimit}").AppendLine().Append(throughput.ToConsole())
            .AppendLine().AppendLine($"dispatch (b) slot utilization: {slotCalls:N0} calls of {SlotCallMs} ms, limit {SlotLimit}").AppendLine().Append(slots.ToConsole())
            .AppendLine().AppendLine("dispatch (c) slot freed (terminal event) → next dialing event, from (b)'s call_events").AppendLine().Append(latency.ToConsole())
            .AppendLine().AppendLine("dispatch (c) to the dial's request leaving the service, and to its arrival at the emulator").AppendLine().Append(providerLatency.ToConsole());
        problems.ForEach(p => console.AppendLine("CHECK FAILED: " + p));

        var machine = context.Machine;
        var markdown = new StringBuilder()
            .AppendLine("### dispatch: calls through the provider emulator")
            .AppendLine()
            .AppendLine($"- Date: {machine.Date:yyyy-MM-dd HH:mm} UTC" + (machine.Commit is null ? "" : $", commit {machine.Commit}"))
            .AppendLine($"- Machine: {machine.Cores} cores ({machine.CpuModel}), {machine.Memory} RAM, {machine.OperatingSystem}")
            .AppendLine($"- .NET: {machine.Runtime}" + (machine.Sdk is null ? "" : $", SDK {machine.Sdk}") +
                $"; service {BenchOptions.BuildConfiguration} build, {MachineInfo.ServiceGcMode(context.ServiceAssembly)}, `LOG_LEVEL=warn`; service, emulator and bench on 127.0.0.1 of the same machine")
            .AppendLine($"- Command: `{context.CommandLine}`")
            .AppendLine("- Method: per phase a fresh database, a fresh emulator process (`SIM_WEBHOOK_PARALLELISM=64`, signed webhooks to the service) and a fresh service " +
                "(`ELEVENLABS_CONCURRENCY_LIMIT` = `CALLS_WORKER_CONCURRENCY` = the limit). Completion = `GET /calls?limit=1&status=completed` → `pagination.total`, " +
                "asked every 50 ms once the emulator has sent a webhook for every call, and every 2 s before (the count reads every call of the workspace).")
            .AppendLine()
            .AppendLine($"(a) Throughput: {calls:N0} zero-length calls (ring 0 ms, duration 0 ms), limit {ThroughputLimit}, posted as {ThroughputBulks} bulks (`concurrency: {BulkConcurrencyMax}` each); time from the first POST until every call is `completed`. " +
                (rounds > 1
                    ? $"{rounds} such rounds, one after another on the same service (each with numbers of its own); the row gives the median round by calls/s, and the last but one column every round in order (one round spreads by about ±15 % from run to run on this machine). "
                    : "One round (`--rounds 1`). ") +
                (warmupSeconds > 0
                    ? $"Measured after the same service has spent {warmupSeconds} s completing rounds of {WarmupRound:N0} warm-up calls posted the same way, so that it has finished compiling its hot paths at full optimization (a fresh process spends its first tens of seconds doing so); `--warmup-seconds 0` measures it cold."
                    : "Measured on a cold service (`--warmup-seconds 0`)."))
            .AppendLine()
            .Append(throughput.ToMarkdown())
            .AppendLine()
            .AppendLine($"(b) Slot utilization: {slotCalls:N0} calls of {SlotCallMs} ms (ring 0 ms), limit {SlotLimit}, {SlotBulks} bulks (`concurrency: {SlotLimit}` each); the emulator's `activeCalls` / {SlotLimit} sampled every 100 ms " +
                "from its first accepted dial until it has accepted every dial (so calls were still queued or being claimed). Emulator max concurrency above the limit fails the scenario. " +
                (slotWarmupSeconds > 0
                    ? $"Measured after the same service has completed {slotWarmupSeconds} s worth of the same calls ({slotWarmupSeconds * 1000 / SlotCallMs * SlotLimit:N0}, in {SlotBulks} bulks like the measured ones) as a warm-up; `--slot-warmup-seconds 0` measures it cold."
                    : "Measured on a cold service (`--slot-warmup-seconds 0`)."))
            .AppendLine()
            .Append(slots.ToMarkdown())
            .AppendLine()
            .AppendLine("(c) Webhook to next dial, from (b)'s `call_events` read directly from the database: for each `dialing` event, the time since the latest terminal event before it " +
                "(the processed webhook that freed a slot), counted only when a call was waiting at that terminal event (more `queued` than `dialing` events so far). " +
                "The last column measures the warm-up's own dials the same way: the first seconds of a fresh process, while it still compiles its hot paths.")
            .AppendLine()
            .Append(latency.ToMarkdown())
            .AppendLine()
            .AppendLine("The same up to the moment the dial's request leaves the service, which takes in the claim's commit (the service's debug line \"Sending the dial request\", " +
                "turned on in (b) for that one logger with `Logging__LogLevel__VoiceOrchestrator.Dispatch.CallDialer=Debug`), and up to the dial's arrival at the emulator, " +
                "which takes in the request's way through the loopback and the emulator's receipt as well, on the same two cores: for each dial request sent (the service's " +
                "clock), or each conversation the emulator accepted during (b) (its own clock), the time since the latest processed webhook before it (the terminal event, as above), or since the latest " +
                "conversation the emulator ended before it (which takes in the emulator sending the webhook too), counted only when a call was still waiting at that " +
                "moment; and for each call, the time from its claim's choice (its `dialing` event) to its request and to its dial's arrival. Service and emulator share the machine's clock.")
            .AppendLine()
            .Append(providerLatency.ToMarkdown());
        problems.ForEach(p => markdown.AppendLine().AppendLine("**Check failed:** " + p));
        return new ScenarioReport(console.ToString(), markdown.ToString(), problems.Count == 0);
    }

    private static string Cold(List<double> latencies)
    {
        if (latencies.Count == 0)
        {
            return "–";
        }

        var sorted = latencies.Order().ToArray();
        return $"{Ms1(Percentile(sorted, 0.99))}, {Ms1(sorted[^1])} ({N(sorted.Length)} dials)";
    }

    private static double Percentile(double[] sorted, double p) => sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static string Ms(double ms) => ms.ToString("N0", CultureInfo.InvariantCulture) + " ms";

    private static string Ms1(double ms) => ms.ToString("N1", CultureInfo.InvariantCulture) + " ms";

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>One phase's processes: a fresh database, the emulator and the service, torn down in reverse.</summary>
    private sealed class Run : IAsyncDisposable
    {
        private Run(BenchDatabase database, EmulatorProcess emulator, ServiceProcess service, ServiceClient client)
        {
            Database = database;
            Emulator = emulator;
            Service = service;
            Client = client;
        }

        public BenchDatabase Database { get; }
        public EmulatorProcess Emulator { get; }
        public ServiceProcess Service { get; }
        public ServiceClient Client { get; }

        public static async Task<Run> StartAsync(
            DatabaseKind kind, string phase, int limit, int ringMs, int callMs, BenchContext context, CancellationToken cancellationToken)
        {
            BenchContext.Log($"{kind}: {phase}: preparing a fresh database, emulator and service");
            var database = await BenchDatabase.CreateAsync(kind, cancellationToken);
            EmulatorProcess? emulator = null;
            ServiceProcess? service = null;
            try
            {
                var servicePort = FreePort.Next();
                emulator = await EmulatorProcess.StartAsync(new Dictionary<string, string>
                {
                    ["SIM_CONCURRENCY_LIMIT"] = limit.ToString(CultureInfo.InvariantCulture),
                    ["SIM_RING_MS"] = ringMs.ToString(CultureInfo.InvariantCulture),
                    ["SIM_CALL_DURATION_MS"] = callMs.ToString(CultureInfo.InvariantCulture),
                    ["SIM_WEBHOOK_URL"] = $"http://127.0.0.1:{servicePort}/webhooks/elevenlabs",
                    ["SIM_WEBHOOK_SECRET"] = WebhookSecret,
                    ["SIM_WEBHOOK_PARALLELISM"] = "64",
                }, cancellationToken);
                var environment = new Dictionary<string, string>
                {
                    ["ELEVENLABS_BASE_URL"] = emulator.BaseAddress.ToString().TrimEnd('/'),
                    ["ELEVENLABS_WEBHOOK_SECRET"] = WebhookSecret,
                    ["ELEVENLABS_CONCURRENCY_LIMIT"] = limit.ToString(CultureInfo.InvariantCulture),
                    ["CALLS_WORKER_CONCURRENCY"] = limit.ToString(CultureInfo.InvariantCulture),
                };
                if (phase == "slots")
                {
                    environment[DialRequestLog.Setting.Key] = DialRequestLog.Setting.Value;
                }

                foreach (var (name, value) in context.ServiceEnvironment)
                {
                    environment[name] = value;
                }

                service = await ServiceProcess.StartAsync(context.ServiceAssembly, database.DatabaseUrl, environment, cancellationToken, servicePort);
                service.KeepLogAs = context.ServiceLogFile("dispatch", $"{phase}-{kind.ToString().ToLowerInvariant()}");
                var client = new ServiceClient(service.BaseAddress, TimeSpan.FromMinutes(2));
                var run = new Run(database, emulator, service, client);
                try
                {
                    await client.SetUpWorkspaceAsync(PhoneNumberId, AgentId, cancellationToken);
                    return run;
                }
                catch
                {
                    await run.DisposeAsync();
                    throw;
                }
            }
            catch when (service is null || emulator is null)
            {
                if (emulator is not null)
                {
                    await emulator.DisposeAsync();
                }

                await database.DisposeAsync();
                throw;
            }
        }

        public async Task PostBulkAsync(byte[] body, CancellationToken cancellationToken)
        {
            var response = await Client.PostTimedAsync("calls/bulk", body, cancellationToken);
            if (response.Status != HttpStatusCode.Accepted)
            {
                throw new InvalidOperationException($"POST /calls/bulk answered {(int)response.Status}, expected 202: {ServiceClient.Truncate(response.Body)}");
            }
        }

        /// <summary>
        /// Waits until the service counts <paramref name="calls"/> calls as ended (completed or another terminal state), bounded by <paramref name="timeout"/>. Its counts read every call of the
        /// workspace (more with every round), so they are asked for every 2 s only until the emulator has sent a
        /// webhook for each call, and then every 50 ms: polling them every 200 ms throughout cost the service 5–10 %
        /// of a core, growing with the table, on the cores it was being measured on.
        /// </summary>
        public async Task<(long Completed, long Other)> WaitAllDoneAsync(int calls, TimeSpan timeout, Stopwatch clock, CancellationToken cancellationToken)
        {
            var others = string.Join(',', TerminalStates.Skip(1));
            long completed = 0, other = 0;
            TimeSpan? lastCount = null;
            while (clock.Elapsed < timeout)
            {
                // A call that ends without a webhook (a refused dial, say) is still found by the count every 2 s.
                if (lastCount is { } last && clock.Elapsed - last < TimeSpan.FromSeconds(2) && (await Emulator.StatsAsync(cancellationToken)).WebhooksSent < calls)
                {
                    await Task.Delay(50, cancellationToken);
                    continue;
                }

                lastCount = clock.Elapsed;
                completed = await CountAsync("completed", cancellationToken);
                if (completed >= calls)
                {
                    return (completed, 0);
                }

                other = await CountAsync(others, cancellationToken);
                if (completed + other >= calls)
                {
                    return (completed, other);
                }

                await Task.Delay(50, cancellationToken);
            }

            throw new TimeoutException($"after {timeout.TotalSeconds:0} s only {completed:N0} of {calls:N0} calls were completed ({other:N0} in another terminal state)");
        }

        public InvalidOperationException Fail(Exception e) =>
            new($"{Database.Name}: {e.Message}\n--- service log (tail) ---\n{Service.LogTail()}\n--- emulator log (tail) ---\n{Emulator.LogTail()}", e);

        public async ValueTask DisposeAsync()
        {
            Client.Dispose();
            await Service.DisposeAsync();
            await Emulator.DisposeAsync();
            await Database.DisposeAsync();
        }

        private async Task<long> CountAsync(string status, CancellationToken cancellationToken) =>
            (await Client.GetJsonAsync($"calls?limit=1&status={status}", cancellationToken))["pagination"]?["total"]?.GetValue<long>() ?? -1;
    }

    private sealed record ThroughputRound(TimeSpan Intake, TimeSpan Elapsed, long Completed, long Other, TimeSpan ServiceCpu)
    {
        public double Rate => Completed / Elapsed.TotalSeconds;
    }

    /// <summary>The measured rounds in order; <see cref="Median"/> is the middle one by calls/s (the upper middle for an even count).</summary>
    private sealed record ThroughputResult(int Calls, List<ThroughputRound> Rounds, EmulatorStats Stats)
    {
        public ThroughputRound Median => Rounds.OrderBy(r => r.Rate).ElementAt(Rounds.Count / 2);
    }

    private sealed record SlotResult(int Calls, TimeSpan Elapsed, long Completed, long Other, List<long> Samples, EmulatorStats Stats, List<double> Latencies, List<double> ColdLatencies, List<double> ToSentLatencies, List<double> ChosenToSent, List<double> ToAcceptedLatencies, List<double> ProviderLatencies, List<double> ChosenToAccepted);

    private sealed record DatabaseResult(string Database, ThroughputResult Throughput, SlotResult Slots);
}
