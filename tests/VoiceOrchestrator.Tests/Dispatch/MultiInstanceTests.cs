using System.Diagnostics;
using Npgsql;
using VoiceOrchestrator.Simulator;
using VoiceOrchestrator.Tests.Infrastructure;
using Xunit.Abstractions;

namespace VoiceOrchestrator.Tests.Dispatch;

/// <summary>
/// Several instances on one PostgreSQL database (design §4 "Scale-out"): one dispatcher at a time, chosen by
/// the lease row; the limit holds across instances; when the dispatcher dies another one takes over.
/// </summary>
[Collection("postgres")]
public sealed class MultiInstanceTests(PostgresFixture postgres, ITestOutputHelper output)
{
    private sealed record LeaseSample(TimeSpan At, string? Holder, long Generation);

    [Fact]
    public async Task OneDispatcherAtATimeAndAnotherTakesOverWhenItDies()
    {
        const int count = 600;
        const int leaseSeconds = 3;
        await using var rig = await DispatchRig.StartAsync(DatabaseKind.Postgres, postgres,
            new SimulatorOptions { ConcurrencyLimit = 1000, RingMs = 0, CallDurationMs = 30 },
            DispatchKit.Settings(
                ("ELEVENLABS_CONCURRENCY_LIMIT", "10"),
                ("DISPATCHER_LEASE_SECONDS", leaseSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                ("CALL_LEASE_SECONDS", "5"),
                ("ELEVENLABS_TIMEOUT_MS", "2000")),
            instances: 3);
        var connectionString = rig.PostgresConnectionString(postgres);
        var clock = Stopwatch.StartNew();
        var samples = new List<LeaseSample>();

        await DispatchKit.WaitUntilAsync(async () => (await ReadLeaseAsync(connectionString)).Holder is not null, TimeSpan.FromSeconds(15),
            () => "no instance took the dispatcher lease");
        var holder = HolderProcess(rig, (await ReadLeaseAsync(connectionString)).Holder!);

        // The API is used through an instance that does not dispatch (intake reaches the dispatcher by
        // polling) and survives. Webhooks go to the dispatcher (a slot freed there wakes it at once; on
        // another instance it is only seen at the next refresh, about a second, which would make this test
        // long), and follow the lease when it moves; those sent to the dead one are lost and reconciled.
        var front = rig.Services.Select((s, i) => (Service: s, Index: i)).First(s => s.Service != holder);
        using var client = rig.Client(front.Index);
        WebhooksTo(rig, holder);

        using var stopSampling = new CancellationTokenSource();
        var sampler = Task.Run(async () =>
        {
            while (!stopSampling.IsCancellationRequested)
            {
                var (name, generation) = await ReadLeaseAsync(connectionString);
                lock (samples)
                {
                    samples.Add(new LeaseSample(clock.Elapsed, name, generation));
                }

                await Task.Delay(50);
            }
        });

        var numbers = await rig.QueueBulkAsync(count, instance: front.Index);
        output.WriteLine($"{clock.Elapsed}: {count} calls queued");
        await DispatchKit.WaitUntilAsync(async () => await DispatchKit.TerminalCountAsync(client) >= count / 3, TimeSpan.FromSeconds(60),
            () => "a third of the calls did not end");

        var oldLease = await ReadLeaseAsync(connectionString);
        Assert.Equal(holder.ProcessId, Pid(oldLease.Holder!));
        var killedAt = clock.Elapsed;
        await holder.KillAsync();
        WebhooksTo(rig, front.Service);
        output.WriteLine($"{killedAt}: holder {oldLease.Holder} killed with {await DispatchKit.TerminalCountAsync(client)} calls ended");

        await DispatchKit.WaitUntilAsync(
            async () => (await ReadLeaseAsync(connectionString)) is { Holder: { } h } && h != oldLease.Holder,
            TimeSpan.FromSeconds(leaseSeconds + 3),
            () => $"no other instance took the lease within {leaseSeconds + 3} s of the holder's death");
        var newLease = await ReadLeaseAsync(connectionString);
        var takenOverAfter = clock.Elapsed - killedAt;
        WebhooksTo(rig, HolderProcess(rig, newLease.Holder!));
        output.WriteLine($"{clock.Elapsed}: lease taken by {newLease.Holder}");
        Assert.True(newLease.Generation > oldLease.Generation, $"generation {newLease.Generation} after {oldLease.Generation}");
        Assert.Contains(rig.Services.Where(s => !s.HasExited), s => s.ProcessId == Pid(newLease.Holder!));

        var ids = (await DispatchKit.ListCallsAsync(client)).Select(c => c.Id).ToList();
        var calls = await DispatchKit.WaitTerminalAsync(client, ids, TimeSpan.FromSeconds(90));
        await stopSampling.CancelAsync();
        await sampler;
        output.WriteLine($"{clock.Elapsed}: all calls ended");

        var stats = rig.Simulator.State.GetStats();
        Assert.Equal(count, calls.Count);
        Assert.All(calls, c => Assert.True(c.Status == "completed", $"{c.Id} ended {c.Status} ({c.FailureReason}, {c.LastError}): {c.History}"));
        Assert.InRange(stats.MaxConcurrency, 1, 10);
        Assert.All(numbers, n => Assert.Equal(1, stats.DialsByNumber.GetValueOrDefault(n)));
        var byUser = rig.ConversationsByUserId();
        Assert.All(calls, c => DispatchKit.AssertDialedAtMostOnce(c, [.. byUser[c.Id.ToString()]]));

        // The lease, as sampled: one holder per generation, generations only grow, one leader while all
        // were healthy (no flapping), and the new one is a survivor.
        List<LeaseSample> seen;
        lock (samples)
        {
            seen = [.. samples];
        }

        Assert.True(seen.Count > 20, $"only {seen.Count} lease samples");
        Assert.All(seen.GroupBy(s => s.Generation), g => Assert.True(g.Select(s => s.Holder).Where(h => h is not null).Distinct().Count() <= 1,
            $"generation {g.Key} had holders {string.Join(", ", g.Select(s => s.Holder).Distinct())}"));
        for (var i = 1; i < seen.Count; i++)
        {
            Assert.True(seen[i].Generation >= seen[i - 1].Generation, $"generation went back from {seen[i - 1].Generation} to {seen[i].Generation}");
        }

        Assert.Equal(new[] { oldLease.Holder }, seen.Where(s => s.At < killedAt).Select(s => s.Holder).Distinct());
        Assert.True(takenOverAfter <= TimeSpan.FromSeconds(leaseSeconds + 3), $"taken over after {takenOverAfter}");
    }

    /// <summary>
    /// A <c>call_initiation_failure</c> carries no user_id (contract §8.4): the call is found by its
    /// conversation id only. When the provider is slow to answer the dial and the callee is busy at once, the
    /// failure webhook reaches an instance before the dispatcher (another instance) has recorded the answer.
    /// The event must still settle the call promptly: a call left <c>ringing</c> holds a slot until
    /// CALL_LEASE_SECONDS lapses (design §4 "A leaked slot is a bug"; §6 out-of-order events are harmless).
    /// </summary>
    [Fact]
    public async Task AFailureWebhookThatOvertakesTheDialAnswerOnAnotherInstanceStillSettlesTheCall()
    {
        const int count = 10;
        await using var proxy = await AnswerDelayProxy.StartAsync(TimeSpan.FromMilliseconds(1500));
        await using var rig = await DispatchRig.StartAsync(DatabaseKind.Postgres, postgres,
            new SimulatorOptions { ConcurrencyLimit = 1000, RingMs = 0, Outcomes = new OutcomeWeights { Busy = 1 } },
            DispatchKit.Settings(
                ("ELEVENLABS_BASE_URL", proxy.BaseAddress.ToString().TrimEnd('/')),
                ("ELEVENLABS_CONCURRENCY_LIMIT", "10"),
                ("DISPATCHER_LEASE_SECONDS", "3"),
                ("CALL_LEASE_SECONDS", "120")),
            instances: 2);
        proxy.Upstream = rig.Simulator.BaseAddress;
        var connectionString = rig.PostgresConnectionString(postgres);
        await DispatchKit.WaitUntilAsync(async () => (await ReadLeaseAsync(connectionString)).Holder is not null, TimeSpan.FromSeconds(15),
            () => "no instance took the dispatcher lease");
        var holder = HolderProcess(rig, (await ReadLeaseAsync(connectionString)).Holder!);
        var front = rig.Services.Select((s, i) => (Service: s, Index: i)).First(s => s.Service != holder);
        WebhooksTo(rig, front.Service);

        var numbers = await rig.QueueBulkAsync(count, instance: front.Index);
        using var client = rig.Client(front.Index);
        var ids = (await DispatchKit.ListCallsAsync(client)).Select(c => c.Id).ToList();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(12);
        List<CallView> calls;
        do
        {
            await Task.Delay(500);
            calls = await DispatchKit.GetCallsAsync(client, ids);
        }
        while (calls.Any(c => !c.IsTerminal) && DateTime.UtcNow < deadline);

        var stuck = calls.Where(c => !c.IsTerminal).ToList();
        var holding = stuck.FirstOrDefault(c => c.Status != "queued");
        var stats = rig.Simulator.State.GetStats();
        Assert.True(stuck.Count == 0,
            $"{stuck.Count} of {count} calls had not ended 12 s after queueing "
            + $"({string.Join(", ", stuck.GroupBy(c => c.Status).Select(g => $"{g.Count()} {g.Key}"))}), although the emulator had ended "
            + $"{stats.Failed} of them as busy and delivered {stats.WebhooksSent} webhooks (all answered 200); "
            + $"e.g. {holding?.ToNumber} {holding?.Status} with conversation {holding?.ConversationId}: {holding?.History}");
        Assert.All(calls, c => Assert.Equal("busy", c.Status));
        Assert.All(numbers, n => Assert.Equal(1, stats.DialsByNumber.GetValueOrDefault(n)));
    }

    private static void WebhooksTo(DispatchRig rig, ServiceProcess service) =>
        rig.Simulator.State.Configure(o => o with { WebhookUrl = $"http://127.0.0.1:{service.Port}/webhooks/elevenlabs" });

    private static async Task<(string? Holder, long Generation)> ReadLeaseAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) OVER (), holder, generation FROM dispatcher_lease", connection);
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync())
        {
            return (null, 0);
        }

        Assert.Equal(1L, reader.GetInt64(0));
        return (reader.IsDBNull(1) ? null : reader.GetString(1), reader.GetInt64(2));
    }

    /// <summary>The holder is "machine:pid:random".</summary>
    private static int Pid(string holder) => int.Parse(holder.Split(':')[^2], System.Globalization.CultureInfo.InvariantCulture);

    private static ServiceProcess HolderProcess(DispatchRig rig, string holder) =>
        rig.Services.Single(s => s.ProcessId == Pid(holder));
}
