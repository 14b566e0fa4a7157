using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;
using VoiceOrchestrator.Tests.Infrastructure;
using static VoiceOrchestrator.Tests.Storage.TransitionBatchKit;

namespace VoiceOrchestrator.Tests.Storage;

/// <summary>
/// Call transitions that wait for the SQLite writer together are committed together; one that fails
/// inside such a batch is rolled back alone and reported to its own caller, and the others are
/// applied with their events as if each had had a transaction of its own.
/// </summary>
public sealed class SqliteGroupCommitTests(PostgresFixture postgres) : ServiceTestBase(postgres)
{
    [Fact]
    public async Task ABatchCommitsEveryTransitionButTheOneThatFails()
    {
        await using var factory = await StartAsync(DatabaseKind.Sqlite);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
        // Disabled: the running dispatcher claims nothing of it.
        db.Workspaces.Add(new Workspace { Id = "ws", Name = "ws", ApiKeyHash = "hash", ApiKeyPrefix = "pre", IsActive = false, CreatedAt = Now, UpdatedAt = Now });
        var dialing = Enumerable.Range(0, 40).Select(i => NewCall(CallState.Dialing, "+1555000" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture))).ToList();
        // Two queued calls to one number: only one of them may become active.
        var sameNumber = new[] { NewCall(CallState.Queued, "+15559999999"), NewCall(CallState.Queued, "+15559999999") };
        db.Calls.AddRange(dialing);
        db.Calls.AddRange(sameNumber);
        await db.SaveChangesAsync();

        var commits = factory.Services.GetRequiredService<SqliteGroupCommit>();
        var gate = factory.Services.GetRequiredService<SqliteWriteGate>();
        Task<TransitionResult>[] settled;
        Task<TransitionResult>[] started;
        // The writer's turn is held until every transition has queued, so that they share one commit.
        using (await gate.EnterAsync(CancellationToken.None))
        {
            settled = dialing.Select(c => ApplyAsync(factory, c.Id, [CallState.Dialing], CallState.Completed)).ToArray();
            started = sameNumber.Select(c => ApplyAsync(factory, c.Id, [CallState.Queued], CallState.Dialing)).ToArray();
            await WaitUntilAsync(() => commits.Queued == dialing.Count + sameNumber.Length);
        }

        Assert.All(await Task.WhenAll(settled), result => Assert.Equal(TransitionResult.Applied, result));
        var outcomes = await OutcomesAsync(started);
        Assert.Single(outcomes, o => o.Result == TransitionResult.Applied);
        Assert.Single(outcomes, o => o.Error is not null);

        db.ChangeTracker.Clear();
        var ids = dialing.Select(c => c.Id).Concat(sameNumber.Select(c => c.Id)).ToList();
        var states = await db.Calls.Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.State);
        Assert.All(dialing, c => Assert.Equal(CallState.Completed, states[c.Id]));
        Assert.Equal([CallState.Queued, CallState.Dialing], sameNumber.Select(c => states[c.Id]).Order());
        var events = await db.CallEvents.Where(e => ids.Contains(e.CallId)).ToListAsync();
        // One event per applied transition, none for the one rolled back.
        Assert.Equal(dialing.Count + 1, events.Count);
        Assert.All(events, e => Assert.Equal(states[e.CallId], e.ToState));
    }

    [Fact]
    public async Task TransitionsGoFirstAndAWaitingClaimGoesBeforeTheOrdinaryWritesOfTheirBatch()
    {
        await using var factory = await StartAsync(DatabaseKind.Sqlite);
        var commits = factory.Services.GetRequiredService<SqliteGroupCommit>();
        var gate = factory.Services.GetRequiredService<SqliteWriteGate>();
        var order = new List<string>();
        void Record(string what)
        {
            lock (order)
            {
                order.Add(what);
            }
        }

        Task? claim = null;
        var writes = new List<Task>();
        using (await gate.EnterAsync(CancellationToken.None))
        {
            // Queued first, so that without priorities they would be written first.
            for (var i = 0; i < 3; i++)
            {
                var index = i;
                writes.Add(commits.RunAsync(_ => { Record($"ordinary {index}"); return Task.FromResult(index); }, CancellationToken.None));
            }

            writes.Add(commits.RunAheadAsync(
                _ =>
                {
                    Record("transition");
                    // The claim starts waiting while the batch is being written: the batch's ordinary writes must wait for it.
                    claim = gate.EnterForClaimAsync(CancellationToken.None).ContinueWith(turn =>
                    {
                        Record("claim");
                        turn.Result.Dispose();
                    }, TaskScheduler.Default);
                    return Task.FromResult(-1);
                },
                _ => Record("transition committed"),
                CancellationToken.None));
            await WaitUntilAsync(() => commits.Queued == 4);
        }

        await Task.WhenAll(writes);
        await claim!;
        Assert.Equal(["transition", "transition committed", "claim", "ordinary 0", "ordinary 1", "ordinary 2"], order);
    }
}
