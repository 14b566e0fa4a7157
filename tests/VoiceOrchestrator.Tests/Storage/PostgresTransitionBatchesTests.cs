using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tenancy;
using VoiceOrchestrator.Tests.Infrastructure;
using static VoiceOrchestrator.Tests.Storage.TransitionBatchKit;

namespace VoiceOrchestrator.Tests.Storage;

/// <summary>
/// PostgreSQL call transitions that wait together are written as one statement; the result of each is
/// what it would have been alone: applied with its event, refused for a call in another state or one
/// that does not exist, and an error for its own caller only. Two transitions of one call apply in order.
/// A transition that arrives while a batch is being written does not wait for it: a second writer takes it.
/// </summary>
public sealed class PostgresTransitionBatchesTests(PostgresFixture postgres) : ServiceTestBase(postgres)
{
    [Fact]
    public async Task WaitingTransitionsShareAStatementAndEachGetsItsOwnResult()
    {
        await using var factory = await StartAsync(DatabaseKind.Postgres);
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
        // Disabled: the running dispatcher claims nothing of it.
        db.Workspaces.Add(new Workspace { Id = "ws", Name = "ws", ApiKeyHash = "hash", ApiKeyPrefix = "pre", IsActive = false, CreatedAt = Now, UpdatedAt = Now });
        var blocker = NewCall(CallState.Dialing, "+15550000000");
        var secondBlocker = NewCall(CallState.Dialing, "+15550000001");
        var dialing = Enumerable.Range(1, 40).Select(i => NewCall(CallState.Dialing, "+1555100" + i.ToString("D4", System.Globalization.CultureInfo.InvariantCulture))).ToList();
        // Two queued calls to one number: only one of them may become active.
        var sameNumber = new[] { NewCall(CallState.Queued, "+15559999999"), NewCall(CallState.Queued, "+15559999999") };
        var twice = NewCall(CallState.Dialing, "+15558888888");
        var finished = NewCall(CallState.Completed, "+15557777777");
        db.Calls.AddRange([blocker, secondBlocker, .. dialing, .. sameNumber, twice, finished]);
        await db.SaveChangesAsync();

        var batches = factory.Services.GetRequiredService<PostgresTransitionBatches>();
        var before = batches.BatchesTaken;
        Task<TransitionResult> blocked, alsoBlocked;
        Task<TransitionResult>[] settled;
        Task<TransitionResult>[] started;
        Task<TransitionResult> ringing, completed, late, unknown;
        // Another transaction holds two calls' rows. The first one's batch waits; the second call's transition, arriving
        // meanwhile, is taken at once by the other writer and waits too; the rest then queue behind both.
        await using (var locker = factory.Services.CreateAsyncScope())
        {
            var lockerDb = locker.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
            await using var transaction = await lockerDb.Database.BeginTransactionAsync();
            await lockerDb.Database.ExecuteSqlInterpolatedAsync($"SELECT 1 FROM calls WHERE id IN ({blocker.Id}, {secondBlocker.Id}) FOR UPDATE");
            blocked = ApplyAsync(factory, blocker.Id, [CallState.Dialing], CallState.Completed);
            await WaitUntilAsync(() => batches.BatchesTaken == before + 1 && batches.Queued == 0);
            alsoBlocked = ApplyAsync(factory, secondBlocker.Id, [CallState.Dialing], CallState.Completed);
            await WaitUntilAsync(() => batches.BatchesTaken == before + 2 && batches.Queued == 0);
            Assert.False(blocked.IsCompleted);

            settled = dialing.Select(c => ApplyAsync(factory, c.Id, [CallState.Dialing], CallState.Completed)).ToArray();
            started = sameNumber.Select(c => ApplyAsync(factory, c.Id, [CallState.Queued], CallState.Dialing)).ToArray();
            ringing = ApplyAsync(factory, twice.Id, [CallState.Dialing], CallState.Ringing);
            completed = ApplyAsync(factory, twice.Id, [CallState.Dialing, CallState.Ringing], CallState.Completed);
            late = ApplyAsync(factory, finished.Id, [CallState.Dialing, CallState.Ringing], CallState.Completed);
            unknown = ApplyAsync(factory, Guid.CreateVersion7(), [CallState.Dialing], CallState.Completed);
            await WaitUntilAsync(() => batches.Queued == dialing.Count + sameNumber.Length + 4);
            await transaction.CommitAsync();
        }

        Assert.Equal(TransitionResult.Applied, await blocked);
        Assert.Equal(TransitionResult.Applied, await alsoBlocked);
        Assert.All(await Task.WhenAll(settled), result => Assert.Equal(TransitionResult.Applied, result));
        Assert.Equal(TransitionResult.Applied, await ringing);
        Assert.Equal(TransitionResult.Applied, await completed);
        Assert.Equal(TransitionResult.WrongState, await late);
        Assert.Equal(TransitionResult.NotFound, await unknown);
        var outcomes = await OutcomesAsync(started);
        Assert.Single(outcomes, o => o.Result == TransitionResult.Applied);
        Assert.Single(outcomes, o => o.Error is not null);
        // The two blocked ones, everything that queued behind them, and the second transition of one call, which waited
        // for the first one's batch to end although a writer was free.
        Assert.Equal(before + 4, batches.BatchesTaken);

        db.ChangeTracker.Clear();
        var ids = new[] { blocker, secondBlocker, twice, finished }.Concat(dialing).Concat(sameNumber).Select(c => c.Id).ToList();
        var states = await db.Calls.Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.State);
        Assert.All(dialing.Append(blocker).Append(secondBlocker).Append(twice), c => Assert.Equal(CallState.Completed, states[c.Id]));
        Assert.Equal(CallState.Completed, states[finished.Id]);
        Assert.Equal([CallState.Queued, CallState.Dialing], sameNumber.Select(c => states[c.Id]).Order());
        var events = await db.CallEvents.Where(e => ids.Contains(e.CallId)).OrderBy(e => e.Id).ToListAsync();
        // One event per applied transition, none for those refused or failed.
        Assert.Equal(dialing.Count + 2 + 1 + 2, events.Count);
        Assert.Equal(
            [(CallState.Dialing, CallState.Ringing), (CallState.Ringing, CallState.Completed)],
            events.Where(e => e.CallId == twice.Id).Select(e => (e.FromState!.Value, e.ToState)));
        Assert.All(dialing.Append(blocker).Append(secondBlocker), c => Assert.Equal(CallState.Dialing, Assert.Single(events, e => e.CallId == c.Id).FromState));
    }
}
