using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VoiceOrchestrator.Calls;
using VoiceOrchestrator.Configuration;
using VoiceOrchestrator.Dispatch;
using VoiceOrchestrator.Storage;
using VoiceOrchestrator.Tests.Infrastructure;

namespace VoiceOrchestrator.Tests.Dispatch;

/// <summary>
/// The dispatcher's view of active calls may over-count but never under-count: the next claim is
/// chosen while one commits, and the view is re-read from the database beside both. Each test holds
/// a re-read open at its database read and changes the view meanwhile, as a claim or a webhook would.
/// </summary>
public sealed class ActiveSlotsTests(PostgresFixture postgres) : ServiceTestBase(postgres)
{
    private static readonly ActiveCall Bulk = new("ws_slots", null, null, CallLane.Bulk, "+15550000001");

    [Fact]
    public async Task ReservationsCountUntilTheirClaimEndsAndOutliveARefresh()
    {
        await using var factory = await StartAsync(DatabaseKind.Sqlite);
        var slots = new ActiveSlots();
        var (claimed, dropped) = (Guid.CreateVersion7(), Guid.CreateVersion7());
        slots.Reserve([(claimed, Bulk), (dropped, Bulk with { ToNumber = "+15550000002" })]);

        await using (var db = OpenContext(factory, new HeldReads(hold: false)))
        {
            await slots.RefreshAsync(db, 0, CancellationToken.None);
        }

        Assert.Equal(2, slots.Snapshot().Count);
        Assert.Equal(2, slots.Reserved().Count);

        slots.Claimed([(claimed, Bulk)]);
        slots.Unreserve([claimed, dropped]);

        Assert.Equal([Bulk], slots.Snapshot());
        Assert.Empty(slots.Reserved());
    }

    [Fact]
    public async Task AClaimCommittedDuringARefreshIsKept()
    {
        await using var factory = await StartAsync(DatabaseKind.Sqlite);
        var slots = new ActiveSlots();
        var call = Guid.CreateVersion7();
        slots.Reserve([(call, Bulk)]);

        // The read began before the claim committed, so it cannot see the call; the view must keep it all the same.
        var reads = new HeldReads();
        await using var db = OpenContext(factory, reads);
        var refresh = slots.RefreshAsync(db, 0, CancellationToken.None);
        await reads.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        slots.Claimed([(call, Bulk)]);
        slots.Unreserve([call]);
        reads.Release.SetResult();
        await refresh.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([Bulk], slots.Snapshot());
    }

    [Fact]
    public async Task TheLastChangeDuringARefreshWins()
    {
        await using var factory = await StartAsync(DatabaseKind.Sqlite);
        var slots = new ActiveSlots();
        var endedCall = await InsertDialingCallAsync(factory, "+15550000003");
        var (claimedThenReleased, releasedThenClaimed) = (Guid.CreateVersion7(), Guid.CreateVersion7());

        var reads = new HeldReads();
        await using var db = OpenContext(factory, reads);
        var refresh = slots.RefreshAsync(db, 0, CancellationToken.None);
        await reads.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        // The read still returns the ended call: its release committed after the read's snapshot.
        slots.Released(endedCall);
        slots.Claimed([(claimedThenReleased, Bulk)]);
        slots.Released(claimedThenReleased);
        var retried = Bulk with { ToNumber = "+15550000004" };
        slots.Released(releasedThenClaimed);
        slots.Claimed([(releasedThenClaimed, retried)]);
        reads.Release.SetResult();
        await refresh.WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal([retried], slots.Snapshot());
    }

    [Fact]
    public async Task ACallEndedAtTheProviderDuringARefreshKeepsItsNumberBusyUntilARereadNoLongerFindsIt()
    {
        await using var factory = await StartAsync(DatabaseKind.Sqlite);
        var slots = new ActiveSlots();
        var ending = await InsertDialingCallAsync(factory, "+15550000005");

        var reads = new HeldReads();
        await using (var db = OpenContext(factory, reads))
        {
            var refresh = slots.RefreshAsync(db, 0, CancellationToken.None);
            await reads.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
            Assert.False(slots.EndedAtProvider(ending), "not in the view before its first read");
            reads.Release.SetResult();
            await refresh.WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Single(slots.Snapshot());
        reads = new HeldReads();
        await using (var db = OpenContext(factory, reads))
        {
            var refresh = slots.RefreshAsync(db, 0, CancellationToken.None);
            await reads.Started.Task.WaitAsync(TimeSpan.FromSeconds(10));
            // The read has found the call still active: its end has not been written yet.
            Assert.True(slots.EndedAtProvider(ending));
            reads.Release.SetResult();
            await refresh.WaitAsync(TimeSpan.FromSeconds(10));
        }

        Assert.Empty(slots.Snapshot());
        Assert.Equal("+15550000005", Assert.Single(slots.Ending()).ToNumber);

        // Its end is written by another instance (so no release here): the next read that no longer finds it frees the number.
        await using (var db = OpenContext(factory, new HeldReads(hold: false)))
        {
            await db.Calls.Where(c => c.Id == ending).ExecuteUpdateAsync(u => u.SetProperty(c => c.State, CallState.Completed));
            await slots.RefreshAsync(db, 0, CancellationToken.None);
        }

        Assert.Empty(slots.Ending());
    }

    private static OrchestratorDbContext OpenContext(OrchestratorFactory factory, HeldReads reads) =>
        TestDbContexts.Open<OrchestratorDbContext>(factory.Services.GetRequiredService<IOptions<OrchestratorOptions>>().Value.Database, reads);

    private static async Task<Guid> InsertDialingCallAsync(OrchestratorFactory factory, string number)
    {
        await using var scope = factory.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<OrchestratorDbContext>();
        var now = DateTime.UtcNow;
        var call = new Call
        {
            Id = Guid.CreateVersion7(), WorkspaceId = Bulk.WorkspaceId, Lane = Bulk.Lane, State = CallState.Dialing, Attempts = 1,
            AgentId = "agent", AgentPhoneNumberId = "phnum", ToNumber = number, CreatedAt = now, UpdatedAt = now, DialedAt = now,
            // Far off, so that the running service's sweeper leaves it alone.
            LeaseExpiresAt = now.AddHours(1),
        };
        await using var transaction = await db.Database.BeginTransactionAsync();
        await BulkInserter.InsertAsync(db, [call], CancellationToken.None);
        await transaction.CommitAsync();
        return call.Id;
    }

    /// <summary>Holds every read, once the database has run it, until released; a read that is not held goes straight through.</summary>
    private sealed class HeldReads(bool hold = true) : DbCommandInterceptor
    {
        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public TaskCompletionSource Release { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public override async ValueTask<DbDataReader> ReaderExecutedAsync(
            DbCommand command, CommandExecutedEventData eventData, DbDataReader result, CancellationToken cancellationToken = default)
        {
            Started.TrySetResult();
            if (hold)
            {
                await Release.Task;
            }

            return result;
        }
    }
}
